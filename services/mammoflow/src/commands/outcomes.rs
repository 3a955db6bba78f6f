//! `mammoflow outcomes import FILE.csv`: biopsy/surgery/follow-up results into `outcomes`.
//!
//! Columns (header row required, any order): `study_instance_uid`, `side` (right, left,
//! bilateral or empty), `kind` (biopsy, surgery, follow_up), `result` (benign, malignant),
//! `pathology` (free text, may be empty), `outcome_date` (YYYY-MM-DD). The whole file is checked
//! first and imported in one transaction: one bad line imports nothing and every problem is
//! listed with its line number. Importing the same file again adds nothing.

use anyhow::Context;
use clap::{Args, Subcommand};
use mammoflow_store::outcomes::{self, NewOutcome};
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct OutcomesArgs {
    #[command(subcommand)]
    pub which: OutcomesCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum OutcomesCommand {
    /// Import outcomes from a CSV file.
    Import(ImportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    pub file: PathBuf,
    /// Who is importing (written to the audit log).
    #[arg(long = "by")]
    pub recorded_by: String,
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: String,
}

pub async fn run(args: OutcomesArgs) -> anyhow::Result<()> {
    let OutcomesCommand::Import(args) = args.which;
    let text = std::fs::read_to_string(&args.file).with_context(|| format!("reading {}", args.file.display()))?;
    let rows = parse_csv(&text).map_err(|problems| anyhow::anyhow!("nothing imported:\n  {}", problems.join("\n  ")))?;
    let pool = mammoflow_store::connect(&args.database_url, 2).await.context("connecting to Postgres")?;
    let uids: Vec<String> = rows.iter().map(|r| r.study_uid.clone()).collect();
    let unknown = outcomes::unknown_studies(&pool, &uids).await?;
    anyhow::ensure!(unknown.is_empty(), "nothing imported: unknown studies: {}", unknown.join(", "));
    let counts = outcomes::record_all(&pool, &rows, "csv", &args.recorded_by).await?;
    println!("{} outcomes imported, {} already recorded", counts.inserted, counts.duplicates);
    Ok(())
}

/// Every row of the file, or every problem found (with 1-based line numbers, header = line 1).
pub fn parse_csv(text: &str) -> Result<Vec<NewOutcome>, Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| vec![format!("header: {e}")])?.clone();
    let column = |name: &str| headers.iter().position(|h| h == name);
    let required = ["study_instance_uid", "side", "kind", "result", "pathology", "outcome_date"];
    let missing: Vec<String> = required.iter().filter(|c| column(c).is_none()).map(|c| format!("missing column {c}")).collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    let (mut rows, mut problems) = (Vec::new(), Vec::new());
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let get = |name: &str| column(name).and_then(|c| record.get(c)).unwrap_or("").to_string();
        match parse_row(&get) {
            Ok(row) => rows.push(row),
            Err(why) => problems.push(format!("line {line}: {why}")),
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push("the file has no rows".into());
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

fn parse_row(get: &dyn Fn(&str) -> String) -> Result<NewOutcome, String> {
    let date = get("outcome_date");
    let parsed_date = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| format!("outcome_date {date:?} is not YYYY-MM-DD"));
    let outcome = NewOutcome {
        study_uid: get("study_instance_uid"),
        side: Some(get("side")).filter(|s| !s.is_empty()),
        kind: get("kind"),
        result: get("result"),
        pathology: Some(get("pathology")).filter(|p| !p.is_empty()),
        outcome_date: parsed_date.clone().unwrap_or_default(),
    };
    // Fields in column order, the date last, as the file's reader expects.
    outcome.check()?;
    parsed_date?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rows_in_any_column_order_with_quoted_pathology() {
        let text = "kind,result,study_instance_uid,side,outcome_date,pathology\n\
                    biopsy,malignant,1.2.3.4,left,2026-10-01,\"invasive ductal carcinoma, grade 2\"\n\
                    follow_up,benign,1.2.3.5,,2026-11-02,\n";
        let rows = parse_csv(text).unwrap_or_default();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].pathology.as_deref(), Some("invasive ductal carcinoma, grade 2"));
        assert_eq!(rows[0].side.as_deref(), Some("left"));
        assert_eq!((rows[1].side.clone(), rows[1].pathology.clone()), (None, None));
    }

    #[test]
    fn every_bad_line_is_reported_and_nothing_is_returned() {
        let text = "study_instance_uid,side,kind,result,pathology,outcome_date\n\
                    1.2.3.4,left,biopsy,malignant,,2026-10-01\n\
                    not a uid,left,biopsy,malignant,,2026-10-01\n\
                    1.2.3.6,upper,biopsy,maybe,,01/10/2026\n";
        let problems = parse_csv(text).err().unwrap_or_default();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("line 3: study_instance_uid"), "{problems:?}");
        assert!(problems[1].starts_with("line 4: side \"upper\""), "{problems:?}");
        let missing = parse_csv("study_instance_uid,kind\n").err().unwrap_or_default();
        assert!(missing.iter().any(|p| p == "missing column outcome_date"), "{missing:?}");
    }
}
