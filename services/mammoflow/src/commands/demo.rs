use super::simulate::{publish_arrivals, write_studies};
use super::up::{spawn_all, start_portal, UpArgs};
use anyhow::Context;
use clap::Args;
use mammoflow_bus::{Publisher, PublisherOptions};
use chrono::{Days, NaiveDate, Utc};
use mammoflow_dicom::{DeviceProfile, DeviceSwitch, SimulationOptions};
use mammoflow_runtime::{BrokerMode, Platform, Router};
use mammoflow_store::worklists;
use mammoflow_telemetry::shutdown_on_signals;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub up: UpArgs,
    /// Studies to simulate, split over two sites and dated one exam a day per site up to today;
    /// the second site replaces its device halfway (the audit's drift alarm shows it).
    #[arg(long, default_value_t = 20)]
    pub studies: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Stop once the studies are on the worklists instead of serving the portal until
    /// interrupted (for scripts).
    #[arg(long)]
    pub exit: bool,
    /// Give up waiting for the studies after this many seconds.
    #[arg(long, default_value_t = 180)]
    pub timeout_secs: u64,
}

pub async fn run(mut args: DemoArgs) -> anyhow::Result<()> {
    // The summary below reports every study; logs only for errors unless RUST_LOG says otherwise.
    super::init_logs(&args.up.platform, "error");
    let shutdown = shutdown_on_signals();
    let (_server, db) = super::scratch_database(&args.up.platform, "demo").await?;
    args.up.platform.database_url = Some(db.url().to_string());
    // A demo's few exams a week: the drift watch scores periods from 5 values (production default
    // 20) and looks every minute, so the device switch shows on the gauges soon after the reads.
    if args.up.portal.drift_min_volume == mammoflow_reports::DEFAULT_MIN_VOLUME {
        args.up.portal.drift_min_volume = 5;
    }
    if args.up.portal.drift_check_secs == mammoflow_portal::PortalArgs::default().drift_check_secs {
        args.up.portal.drift_check_secs = 60;
    }

    let out = args.up.platform.data_dir.join("demo").join(db.name());
    println!("1/4 simulating {} screening studies at two sites into {}", args.studies, out.display());
    let mut written = Vec::new();
    for options in demo_sites(args.studies, args.seed, Utc::now().date_naive()) {
        written.extend(write_studies(options.clone(), &out.join(options.site.to_lowercase())).await?);
    }
    let root = std::fs::canonicalize(&out).context("resolving the study folder")?;
    args.up.platform.dicom_roots.push(root);

    println!("2/4 starting the pipeline (embedded broker unless KAFKA_BROKERS is set)");
    let platform = Platform::start(&args.up.platform, BrokerMode::EmbeddedIfUnset, "mammoflow-demo").await?;
    let mut tasks = spawn_all(&platform, &args.up, &shutdown).await?;
    let (portal, portal_task) = start_portal(&platform, &args.up, &shutdown).await?;
    tasks.push(portal_task);
    let (addr, http) = platform.serve_http(args.up.platform.http_addr, Router::new(), shutdown.clone()).await?;

    println!("3/4 publishing {} mammo.study.arrived.v1 events", written.len());
    let publisher = Publisher::new(&platform.kafka, &PublisherOptions::default())?;
    publish_arrivals(&publisher, &written).await?;

    println!("4/4 waiting for every study to reach a worklist (ingest, inference, parser, triage)");
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.timeout_secs);
    for study in &written {
        let uid = study.study_instance_uid.as_str();
        while worklists::for_study(&platform.pool, uid).await?.is_empty() {
            anyhow::ensure!(Instant::now() < deadline, "timed out waiting for study {uid}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    println!();
    println!("{} studies on worklists in {:.1} s:", written.len(), started.elapsed().as_secs_f64());
    for study in &written {
        let uid = study.study_instance_uid.as_str();
        for item in worklists::for_study(&platform.pool, uid).await? {
            println!("  {uid}  {:<16} {:<8} rule {:<22} {}", item.queue, item.read_role.as_str(),
                item.rule_fired.as_deref().unwrap_or("-"), item.reason.as_deref().unwrap_or(""));
        }
    }
    println!();
    println!("queues:");
    for q in worklists::queue_stats(&platform.pool).await? {
        println!("  {:<16} pending {:>3}  claimed {:>3}  overdue {:>3}", q.queue, q.pending, q.claimed, q.overdue);
    }
    println!();
    println!("where to look:");
    println!("  studies (DICOM, truth.json, report.txt): {}", out.display());
    println!("  database:  psql '{}'   (tables studies, ai_reports, parsed_reports, worklist_items, dead_letters)", db.url());
    println!("  kafka:     {}", platform.bootstrap_servers());
    println!("  metrics:   http://{addr}/metrics   health: http://{addr}/healthz");
    println!("  reads:     mammoflow simulate-reads --database-url '{}'   (simulated radiologists and", db.url());
    println!("             outcomes; then the audit shows per-site cells, trends and SIM-SITE-B's device-switch drift alarm)");

    let password = demo_accounts(&platform.pool).await?;
    println!();
    println!("portal: http://{portal}/");
    println!("audit:  http://{portal}/reports/audit?by=site&min_volume=5   (after simulate-reads, below)");
    println!("demo sign-in: demo-radiologist / {password}   (also demo-reader-2, demo-operator, demo-auditor, demo-admin; same password)");
    if !args.exit {
        println!("serving until interrupted (ctrl-c)");
    } else {
        // Let the relay publish the last study.ready events before stopping.
        tokio::time::sleep(Duration::from_millis(500)).await;
        shutdown.cancel();
    }
    for task in tasks {
        task.await.context("a stage panicked")?;
    }
    http.await.context("HTTP task panicked")??;
    Ok(())
}

/// The demo's two sites: `studies` split between them, one exam a day per site ending on
/// `today`; the second site's device is replaced by another vendor's unit halfway through.
fn demo_sites(studies: usize, seed: u64, today: NaiveDate) -> [SimulationOptions; 2] {
    let per_site = studies.div_ceil(2).max(1);
    let start_date = today - Days::new(per_site as u64 - 1);
    let site = |name: &str, seed, studies| SimulationOptions { studies, seed, site: name.into(), start_date, ..SimulationOptions::default() };
    let replacement = DeviceProfile {
        manufacturer: "MAMMOFLOW PHANTOM NEXT".into(),
        model: "SYNTH-DM 16".into(),
        software_version: "mammoflow-synth 2".into(),
        station_name: "SIMST03".into(),
        serial_number: "SIM0003".into(),
        bits_stored: 16,
    };
    let second = SimulationOptions {
        device_switch: Some(DeviceSwitch { from_index: per_site as u64 / 2, device: replacement }),
        ..site("SIM-SITE-B", seed.wrapping_add(1), studies.saturating_sub(per_site).max(1))
    };
    [site("SIM-SITE-A", seed, per_site), second]
}

/// Demo accounts, one per role plus a second reader for double reading, sharing one password
/// made fresh for this run (the demo database is new each run too).
async fn demo_accounts(pool: &mammoflow_store::PgPool) -> anyhow::Result<String> {
    let password = mammoflow_portal::auth::secrets::new_secret()[..16].to_string();
    let accounts = [
        ("demo-radiologist", "Demo Radiologist", "radiologist"),
        ("demo-reader-2", "Demo Second Reader", "radiologist"),
        ("demo-operator", "Demo Operator", "operator"),
        ("demo-auditor", "Demo Auditor", "auditor"),
        ("demo-admin", "Demo Admin", "admin"),
    ];
    for (username, name, role) in accounts {
        mammoflow_portal::accounts::create_user(pool, "service:demo", username, name, role, &password)
            .await
            .with_context(|| format!("creating demo account {username}"))?;
    }
    Ok(password)
}
