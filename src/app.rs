//! Builds the server exactly as `redress serve` runs it, so tests start the
//! same application on port 0.

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_web::{App, HttpServer, dev::Server, web};
use anyhow::Context;
use tracing_actix_web::TracingLogger;

use crate::{
    auth::{JwtConfig, TokenVerifier},
    config::ServeArgs,
    councils::{self, CouncilDirectory},
    db,
    domain::{intake::writer::IntakeWriter, policies},
    graphql,
    http::{self, BodyLimit, SocketLimits},
    jobs,
    live::{feed::CaseFeed, relay},
    metrics::Metrics,
    policy::{PolicyRegistry, PolicyRunner, watch},
    state::{AppState, Clock},
};

pub struct Application {
    port: u16,
    server: Server,
    state: Arc<AppState>,
    _watcher: Option<notify::RecommendedWatcher>,
    sync_task: tokio::task::JoinHandle<()>,
    sweep_task: tokio::task::JoinHandle<()>,
}

impl Application {
    pub async fn build(settings: ServeArgs) -> anyhow::Result<Self> {
        let jwt = JwtConfig::from_args(&settings.jwt)?;
        if jwt.using_dev_secret {
            tracing::warn!(
                "REDRESS_JWT_SECRET is not set: tokens are signed with the public development secret. \
                 Never run like this with real data."
            );
        }
        let db = db::connect(&settings.database).await?;
        db::migrate(&db).await?;
        councils::seed(&db)
            .await
            .context("seeding the shipped councils")?;
        let councils = CouncilDirectory::load(&db)
            .await
            .context("loading councils")?;

        let state = Arc::new(AppState {
            intake: IntakeWriter::start(db.clone()),
            db,
            councils,
            verifier: TokenVerifier::new(&jwt),
            metrics: Arc::new(Metrics::new()),
            policies: Arc::new(PolicyRegistry::default()),
            policy_runner: Arc::new(
                PolicyRunner::start(settings.policy_threads.limits())
                    .context("starting the policy threads")?,
            ),
            clock: settings.fixed_now.map_or(Clock::System, Clock::Fixed),
            feed: Arc::new(CaseFeed::new()),
        });
        if let Some(at) = settings.fixed_now {
            tracing::warn!(%at, "the clock is fixed: every action happens at this instant");
        }
        relay::start(&state.db, state.feed.clone())
            .await
            .context("relaying live updates between processes")?;
        let watching = settings.watching_policies();
        policies::bootstrap(&state, &settings.policy_dir)
            .await
            .context("loading council policies")?;
        let watcher = if watching {
            Some(
                watch::start(state.clone(), &settings.policy_dir)
                    .context("watching the policy folder")?,
            )
        } else {
            None
        };
        let sync_task = tokio::spawn(sync_policies(
            state.clone(),
            Duration::from_millis(settings.policy_sync_ms),
        ));
        let sweep_task = tokio::spawn(jobs::run_sweeper(
            state.clone(),
            Duration::from_millis(settings.sweep_ms),
        ));
        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let body_limit = BodyLimit(settings.max_body_bytes);
        let socket_limits = SocketLimits {
            init_timeout: Duration::from_millis(settings.ws_init_timeout_ms),
            max_message_bytes: settings.max_body_bytes,
        };
        let workers = settings.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let pools = Arc::new(db::WorkerPools::new(&settings.database, &state.db, workers).await?);
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            // Runs on each worker's own thread: its pool's connections are
            // opened and polled there, never handed across threads.
            let worker = Arc::new(app_state.for_worker(pools.connection()));
            let schema = graphql::schema(Some(worker.clone()));
            App::new()
                .wrap(TracingLogger::default())
                .app_data(web::Data::new(worker))
                .app_data(web::Data::new(schema))
                .app_data(web::Data::new(body_limit))
                .app_data(web::Data::new(socket_limits))
                .configure(http::routes)
        })
        .workers(workers)
        .listen(listener)?;
        let server = server.run();
        tracing::info!(port, "Redress is listening");
        Ok(Self {
            port,
            server,
            state,
            _watcher: watcher,
            sync_task,
            sweep_task,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> Arc<AppState> {
        self.state.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.sync_task.abort();
        self.sweep_task.abort();
        result
    }
}

/// Picks up policies other processes published, so a cluster converges
/// within one interval.
async fn sync_policies(state: Arc<AppState>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        // Its own task, so nothing one sync meets can end the loop.
        let once = state.clone();
        match tokio::spawn(async move { policies::sync(&once).await }).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!(installed = n, "policies updated from the database"),
            Ok(Err(err)) => tracing::warn!(error = %err, "policy sync failed; retrying"),
            Err(err) => tracing::error!(error = %err, "policy sync stopped unexpectedly; retrying"),
        }
    }
}
