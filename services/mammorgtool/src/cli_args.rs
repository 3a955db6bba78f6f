//! Command-line arguments of `parse` and `eval`, shared by `mammoflow` and the `mammorgtool`
//! binary so both accept exactly the same flags.

use std::io::BufReader;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::cli::{run_eval_cli, run_parse_cli, CliError, EvalCliOptions, OutputSchema, ParseCliOptions};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaArg {
    /// The mammoflow contract.
    Native,
    /// The official MammoRGTool shape.
    Mammorgtool,
}

/// Parse a plain-text report or JSON Lines {"id","text"} from FILE or stdin; JSON Lines out.
#[derive(Debug, Clone, Args)]
pub struct ParseArgs {
    /// Input file; `-` or nothing reads stdin.
    pub file: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "native")]
    pub schema: SchemaArg,
    /// Print each extracted field with its evidence span.
    #[arg(long)]
    pub explain: bool,
    /// Longer reports get a `too_long` warning and nothing extracted.
    #[arg(long, default_value_t = crate::DEFAULT_MAX_REPORT_BYTES)]
    pub max_bytes: usize,
}

/// Clinical-efficacy and NLG metrics of predictions against references.
#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    #[arg(long)]
    pub pred: PathBuf,
    #[arg(long = "ref")]
    pub reference: PathBuf,
    /// Also write the result as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Seed of the bootstrap resampling.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

pub fn run_parse(args: &ParseArgs) -> Result<(), CliError> {
    let schema = match args.schema {
        SchemaArg::Native => OutputSchema::Native,
        SchemaArg::Mammorgtool => OutputSchema::MammoRgTool,
    };
    let opts = ParseCliOptions { schema, explain: args.explain, max_report_bytes: args.max_bytes };
    let stdout = std::io::stdout();
    match args.file.as_ref().filter(|f| f.as_os_str() != "-") {
        Some(f) => {
            let file = std::fs::File::open(f)?;
            run_parse_cli(BufReader::new(file), stdout.lock(), &opts).map(|_| ())
        }
        None => run_parse_cli(std::io::stdin().lock(), stdout.lock(), &opts).map(|_| ()),
    }
}

pub fn run_eval(args: &EvalArgs) -> Result<(), CliError> {
    let mut opts = EvalCliOptions { json_out: args.json.clone(), ..Default::default() };
    opts.metrics.seed = args.seed;
    run_eval_cli(&args.pred, &args.reference, std::io::stdout().lock(), &opts).map(|_| ())
}
