//! Hand-testing wrapper around the library's CLI entry points; the product CLI is
//! `mammoflow parse` / `mammoflow eval`.

use std::io::BufReader;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use mammorgtool::cli::{run_eval_cli, run_parse_cli, EvalCliOptions, OutputSchema, ParseCliOptions};

#[derive(Parser)]
#[command(name = "mammorgtool", about = "Parse mammography reports; score generated reports")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, ValueEnum)]
enum Schema {
    Native,
    Mammorgtool,
}

#[derive(Subcommand)]
enum Cmd {
    /// Parse a plain-text report or JSON Lines {"id","text"} from FILE or stdin.
    Parse {
        file: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "native")]
        schema: Schema,
        #[arg(long)]
        explain: bool,
        #[arg(long, default_value_t = mammorgtool::DEFAULT_MAX_REPORT_BYTES)]
        max_bytes: usize,
    },
    /// Clinical-efficacy and NLG metrics of predictions against references.
    Eval {
        #[arg(long)]
        pred: PathBuf,
        #[arg(long = "ref")]
        reference: PathBuf,
        #[arg(long)]
        json: Option<PathBuf>,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let result = match cli.cmd {
        Cmd::Parse { file, schema, explain, max_bytes } => {
            let schema = match schema {
                Schema::Native => OutputSchema::Native,
                Schema::Mammorgtool => OutputSchema::MammoRgTool,
            };
            let opts = ParseCliOptions { schema, explain, max_report_bytes: max_bytes };
            match file.filter(|f| f.as_os_str() != "-") {
                Some(f) => std::fs::File::open(&f)
                    .map_err(mammorgtool::cli::CliError::from)
                    .and_then(|fh| run_parse_cli(BufReader::new(fh), stdout.lock(), &opts))
                    .map(|_| ()),
                None => run_parse_cli(std::io::stdin().lock(), stdout.lock(), &opts).map(|_| ()),
            }
        }
        Cmd::Eval { pred, reference, json, seed } => {
            let mut opts = EvalCliOptions { json_out: json, ..Default::default() };
            opts.metrics.seed = seed;
            run_eval_cli(&pred, &reference, stdout.lock(), &opts).map(|_| ())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mammorgtool: {e}");
            ExitCode::FAILURE
        }
    }
}
