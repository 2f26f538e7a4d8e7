//! How `enlist submit` talks to the proxy: the transport (a proxy in this process, or one over
//! HTTP, both through `enlist_proxy::exchange`) and the one loop that drives any of the core's
//! machines — the contract the browser's loop keeps too.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use enlist_core::AccountId;
use enlist_core::engine::{Action, CallId, Machine, Millis, TransportError};
use enlist_core::wire::{Request, Response};
use tokio::task::JoinSet;
use tower::ServiceExt;

/// How requests reach the proxy.
#[derive(Clone)]
pub(crate) enum Transport {
    InProcess(axum::Router),
    Remote { client: reqwest::Client, base: String, token: String },
}

impl Transport {
    pub(crate) async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        let path = request.proxy_path();
        match self {
            Transport::InProcess(router) => {
                let auth = [("authorization".to_owned(), "Bearer in-process".to_owned())];
                enlist_proxy::exchange::call_router(router, request, &path, &auth).await
            }
            Transport::Remote { client, base, token } => {
                let url = format!("{}{path}", base.trim_end_matches('/'));
                let auth = [("authorization".to_owned(), format!("Bearer {token}"))];
                enlist_proxy::exchange::call_url(client, request, &url, &auth).await
            }
        }
    }

    /// The account whose credentials the proxy signs with, as its `/v1/config` says (`None` when
    /// it cannot tell, or the proxy is older).
    pub(crate) async fn administrator(&self) -> Option<AccountId> {
        let body = match self {
            Transport::InProcess(router) => {
                let request = http::Request::builder()
                    .uri("/v1/config")
                    .header("authorization", "Bearer in-process")
                    .body(axum::body::Body::empty())
                    .ok()?;
                let response = router.clone().oneshot(request).await.ok()?;
                enlist_proxy::exchange::read_response(response).await.ok()?.body
            }
            Transport::Remote { client, base, token } => {
                let url = format!("{}/v1/config", base.trim_end_matches('/'));
                client.get(url).bearer_auth(token).send().await.ok()?.text().await.ok()?
            }
        };
        let config: serde_json::Value = serde_json::from_str(&body).ok()?;
        config.get("administratorAccountId")?.as_str()?.parse().ok()
    }
}

/// The wall clock, in milliseconds: the engine keeps deadlines in it, so a resumed process keeps
/// to the dead one's.
pub(crate) fn now() -> Millis {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as Millis)
}
/// Drives any machine: poll, write what must be kept (the journal) before sending, send, wait for
/// the first answer or the machine's next deadline, report. A first Ctrl-C cancels (answers on
/// their way are still recorded); a second one stops at once.
pub(crate) async fn drive<M: Machine>(
    machine: &mut M,
    transport: &Transport,
    mut keep: impl FnMut(&mut M) -> Result<(), String>,
    mut show: impl FnMut(&M),
) -> Result<(), String> {
    let mut in_flight: JoinSet<(CallId, Result<Response, TransportError>)> = JoinSet::new();
    let mut cancelled = false;
    loop {
        let at = now();
        let actions = machine.poll(at);
        keep(machine)?;
        let mut wake = None;
        for action in actions {
            match action {
                Action::Done => return Ok(()),
                Action::WaitUntil(until) => wake = Some(until),
                Action::Send { call, request } => {
                    let transport = transport.clone();
                    in_flight.spawn(async move { (call, transport.send(&request).await) });
                }
            }
        }
        show(machine);
        let sleep = wake.map_or(Duration::from_secs(3_600), |until| Duration::from_millis(until.saturating_sub(at)));
        tokio::select! {
            Some(done) = in_flight.join_next() => {
                let (call, result) = done.map_err(|e| format!("a request task failed: {e}"))?;
                match result {
                    Ok(response) => machine.on_response(call, &response, now()),
                    Err(error) => machine.on_transport_error(call, error, now()),
                }
            }
            () = tokio::time::sleep(sleep) => {}
            _ = tokio::signal::ctrl_c() => {
                if cancelled {
                    keep(machine)?;
                    return Err("stopped; run again with the same --journal to resume".to_owned());
                }
                cancelled = true;
                crate::say("\ncancelling: nothing more is sent; answers on their way are recorded (Ctrl-C again stops at once)\n");
                machine.cancel();
            }
        }
        keep(machine)?;
    }
}
