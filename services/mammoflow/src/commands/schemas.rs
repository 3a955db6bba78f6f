use anyhow::Context;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Clone, Args)]
pub struct SchemasArgs {
    /// Folder to write `<topic>.json` files into.
    #[arg(long, default_value = "schemas")]
    pub out: PathBuf,
}

pub fn run(args: SchemasArgs) -> anyhow::Result<()> {
    let written = mammoflow_events::schema::write_all(&args.out)
        .with_context(|| format!("writing schemas to {}", args.out.display()))?;
    for name in written {
        println!("{}", args.out.join(name).display());
    }
    Ok(())
}
