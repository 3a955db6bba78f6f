//! Hand-testing wrapper around the library's CLI entry points; the product CLI is
//! `mammoflow parse` / `mammoflow eval`, with the same flags.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use mammorgtool::cli_args::{run_eval, run_parse, EvalArgs, ParseArgs};

#[derive(Parser)]
#[command(name = "mammorgtool", about = "Parse mammography reports; score generated reports")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    Parse(ParseArgs),
    Eval(EvalArgs),
}

fn main() -> ExitCode {
    let result = match Cli::parse().cmd {
        Cmd::Parse(args) => run_parse(&args),
        Cmd::Eval(args) => run_eval(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mammorgtool: {e}");
            ExitCode::FAILURE
        }
    }
}
