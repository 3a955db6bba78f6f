//! `mammoflow users`: portal accounts and machine tokens from the command line (the first
//! admin account of a new installation is made here).

use anyhow::Context;
use clap::{Args, Subcommand};

#[derive(Debug, Clone, Args)]
pub struct UsersArgs {
    #[command(subcommand)]
    pub which: UsersCommand,
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum UsersCommand {
    /// Create an account, or reset its name, role and password.
    Add {
        username: String,
        #[arg(long)]
        name: String,
        /// admin, operator, radiologist or auditor.
        #[arg(long)]
        role: String,
        /// Environment variable holding the password (never a command-line argument, which
        /// other users of the machine could see).
        #[arg(long, default_value = "MAMMOFLOW_PASSWORD")]
        password_env: String,
    },
    /// Issue an API token acting as an account; prints the token once.
    Token {
        /// What the token is for.
        name: String,
        #[arg(long = "user")]
        username: String,
    },
}

pub async fn run(args: UsersArgs) -> anyhow::Result<()> {
    let url = args.database_url.context("set DATABASE_URL (or --database-url) to the program's database")?;
    let pool = mammoflow_store::connect(&url, 2).await.context("connecting to Postgres")?;
    mammoflow_store::migrate(&pool).await?;
    match args.which {
        UsersCommand::Add { username, name, role, password_env } => {
            let password = std::env::var(&password_env).with_context(|| format!("set {password_env} to the account's password"))?;
            let user = mammoflow_portal::accounts::create_user(&pool, "service:cli", &username, &name, &role, &password).await?;
            println!("account {} ({}) saved", user.username, user.role.as_str());
        }
        UsersCommand::Token { name, username } => {
            let token = mammoflow_portal::accounts::create_token(&pool, "service:cli", &name, &username).await?;
            println!("{token}");
        }
    }
    Ok(())
}
