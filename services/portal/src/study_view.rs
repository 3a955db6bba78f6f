//! Everything the portal shows about one study, loaded once for the study page, the printable
//! summary and the API, with blinding applied and the view written to the audit log.

use mammoflow_domain::View;
use mammoflow_store::ai_reports::{self, AiReportRow};
use mammoflow_store::audit::{self, AuditEntry};
use mammoflow_store::outcomes::{self, NewOutcome};
use mammoflow_store::parsed_reports::{self, ParseSource, ParsedReportRow};
use mammoflow_store::reads::{self, ReadRow};
use mammoflow_store::studies::{self, InstanceRole, InstanceRow, StudyRow};
use mammoflow_store::worklists::{self, ItemStatus, ReadRole, WorklistItem};

use crate::auth::{Identity, Permission};
use crate::error::PortalError;
use crate::state::AppState;

#[derive(Debug, Clone)]
pub struct StudyView {
    pub study: StudyRow,
    /// The selected standard views, in RCC, LCC, RMLO, LMLO order.
    pub views: Vec<(View, InstanceRow)>,
    pub ai_reports: Vec<AiReportView>,
    pub items: Vec<WorklistItem>,
    /// Reads the viewer may see.
    pub reads: Vec<ReadRow>,
    /// Blinded reads by others, withheld from this viewer.
    pub withheld_reads: usize,
    pub outcomes: Vec<NewOutcome>,
    pub history: Vec<AuditEntry>,
}

#[derive(Debug, Clone)]
pub struct AiReportView {
    pub report: AiReportRow,
    /// The newest parse of this report.
    pub parsed: Option<ParsedReportRow>,
}

impl StudyView {
    /// The item the viewer holds on this study, if any.
    pub fn held_by<'a>(&'a self, who: &Identity) -> Option<&'a WorklistItem> {
        let actor = who.actor();
        self.items.iter().find(|i| i.status == ItemStatus::Claimed && i.lease_holder.as_deref() == Some(actor.as_str()))
    }

    /// The champion's report (what triage used), else the newest.
    pub fn champion_report(&self) -> Option<&AiReportView> {
        self.ai_reports.iter().rev().find(|r| !r.report.shadow).or(self.ai_reports.last())
    }
}

/// Loads study `uid` for `who` and records that they viewed it (`page` says where).
pub async fn load(state: &AppState, who: &Identity, uid: &str, page: &str) -> Result<StudyView, PortalError> {
    who.require(Permission::ViewWorklists)?;
    let pool = &state.pool;
    let study = studies::get(pool, uid).await?.ok_or_else(|| PortalError::NotFound(format!("study {uid}")))?;
    let mut views: Vec<(View, InstanceRow)> = studies::instances(pool, uid)
        .await?
        .into_iter()
        .filter_map(|i| Some((i.view?, i)))
        .filter(|(_, i)| i.role == InstanceRole::Standard)
        .collect();
    views.sort_by_key(|(v, _)| View::ALL.iter().position(|x| x == v));
    let parses = parsed_reports::for_study(pool, uid).await?;
    let ai_reports = ai_reports::for_study(pool, uid)
        .await?
        .into_iter()
        .map(|report| {
            let parsed = parses.iter().rev().find(|p| p.source == ParseSource::Ai && p.ai_report_id == Some(report.id)).cloned();
            AiReportView { report, parsed }
        })
        .collect();
    let items = worklists::for_study(pool, uid).await?;
    let all_reads = reads::for_study(pool, uid).await?;
    let (reads, withheld): (Vec<_>, Vec<_>) = all_reads.into_iter().partition(|r| may_see_read(who, &items, r));
    let view = StudyView {
        outcomes: outcomes::for_study(pool, uid).await?,
        history: audit::for_subject(pool, &subject(uid), 100).await?,
        study,
        views,
        ai_reports,
        items,
        reads,
        withheld_reads: withheld.len(),
    };
    audit::record(pool, &who.actor(), "study.viewed", &subject(uid), &serde_json::json!({"page": page})).await?;
    Ok(view)
}

/// The audit log's subject for a study.
pub fn subject(uid: &str) -> String {
    format!("study:{uid}")
}

/// Blind double reading: a radiologist sees another reader's first or second read only while
/// holding the study's arbitration item (the arbiter must compare both). Other roles read no
/// studies, so blinding does not concern them.
pub fn may_see_read(who: &Identity, items: &[WorklistItem], read: &ReadRow) -> bool {
    if !who.may(Permission::Read) || !read.role.is_blinded() || read.reader == who.actor() {
        return true;
    }
    let actor = who.actor();
    items.iter().any(|i| {
        i.read_role == ReadRole::Arbitration && i.status == ItemStatus::Claimed && i.lease_holder.as_deref() == Some(actor.as_str())
    })
}
