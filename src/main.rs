use std::process::ExitCode;

use clap::Parser;
use redress::{
    app::Application,
    auth::{JwtConfig, Role, TokenMinter},
    config::{Cli, Command, LogFormat},
    db, graphql, policy, telemetry,
};

// Request handling allocates many small, short-lived values across worker
// threads; mimalloc serves that pattern much faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[actix_web::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => {
            telemetry::init(args.log_format);
            Application::build(args).await?.run_until_stopped().await?;
        }
        Command::Migrate(args) => {
            telemetry::init(LogFormat::Pretty);
            let db = db::connect(&args).await?;
            db::migrate(&db).await?;
            println!("migrations applied to {}", db::redact(&args.database_url));
        }
        Command::Token(args) => {
            for role in &args.roles {
                role.parse::<Role>().map_err(anyhow::Error::msg)?;
            }
            let jwt = JwtConfig::from_args(&args.jwt)?;
            if jwt.using_dev_secret {
                eprintln!(
                    "warning: REDRESS_JWT_SECRET is not set; signing with the public development secret"
                );
            }
            let token = TokenMinter::new(&jwt)?.mint(
                &args.council,
                &args.roles,
                &args.sub,
                args.name,
                args.ttl,
            )?;
            println!("{token}");
        }
        Command::Schema => print!("{}", graphql::sdl()),
        Command::Policy(command) => {
            if !policy::cli::run(command).await? {
                std::process::exit(1);
            }
        }
    }
    Ok(())
}
