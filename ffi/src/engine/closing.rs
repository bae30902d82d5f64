//! Closing a client (`arr_client_close`, `arr_client_free`) and shutting the library down
//! (`arr_shutdown`), from any thread, a library callback included.
//!
//! A close: the client's operations are cancelled, their callbacks awaited, the owned sessions' stop run
//! (calls ended; with stop-on-close, creates in flight awaited and owned sessions stopped), and from then
//! on nothing of the client starts. Shutdown does that for every client, then stops and joins the
//! library's threads. Waits leave out what would wait for the calling thread itself (see
//! `registry::wait_for_ops`), so a close or shutdown made from a callback cannot deadlock.

use std::collections::HashSet;

use super::registry::{self, Locked, OwnedSessionsStop, Owner, Phase};

/// `arr_client_close` (`free` false) and `arr_client_free` (`free` true, the entry goes with the close).
/// Waits for a close another thread runs, unless that thread waits for this one; and in every case (the
/// client closed already included) for every callback of the client that does not wait for this thread.
pub(crate) fn close_client(owner: &Owner, free: bool) {
    let mut registry = registry::lock();
    let Some(entry) = registry.clients.get_mut(&owner.id) else {
        return;
    };
    entry.freed |= free;
    match entry.phase {
        Phase::Closed => {
            drop(registry);
            // A callback the closer left out (it waited for the closer) may still run: this thread waits
            // for it unless it waits for this thread too.
            registry::wait_for_ops(Some(owner.id));
            if free {
                remove_if_closed(owner.id);
            }
            return;
        }
        Phase::Closing => {
            drop(registry);
            // If the other closer waits for this thread, it finishes (and removes a freed entry) later;
            // the client's other callbacks, which do not wait for this thread, are awaited all the same.
            let waited = registry::wait_for_close(owner.id);
            if free && !waited {
                if let Some(entry) = registry::lock().clients.get_mut(&owner.id) {
                    entry.host_gone = true;
                }
            }
            registry::wait_for_ops(Some(owner.id));
            if free && waited {
                remove_if_closed(owner.id);
            }
            return;
        }
        Phase::Open => {
            entry.phase = Phase::Closing;
            entry.closer = Some(std::thread::current().id());
        }
    }
    // A stream whose event callback is making this call is cancelled too: its last call follows when
    // that callback returns.
    registry.cancel_all(Some(owner.id));
    drop(registry);
    registry::wait_for_ops(Some(owner.id));
    run_guard(owner.id);
    finish(&[owner.id]);
    // Token callbacks the owned sessions' stop started.
    registry::wait_for_ops(Some(owner.id));
    run_handed_over_shutdown();
}

/// Marks closes complete: nothing of these clients starts any more; freed ones are forgotten.
fn finish(ids: &[u64]) {
    let mut registry = registry::lock();
    let mut removed = Vec::new();
    for id in ids {
        if let Some(entry) = registry.clients.get_mut(id) {
            entry.phase = Phase::Closed;
            entry.closer = None;
            if entry.freed {
                removed.extend(registry.clients.remove(id));
            }
        }
    }
    drop(registry);
    registry::notify();
    drop(removed);
}

fn remove_if_closed(id: u64) {
    let mut registry = registry::lock();
    let closed = registry.clients.get(&id).is_some_and(|c| c.phase == Phase::Closed);
    let removed = closed.then(|| registry.clients.remove(&id));
    drop(registry);
    drop(removed);
}

/// Runs the owned sessions' stop of `client` unless someone else has (then waits for theirs).
fn run_guard(client: u64) {
    let claimed = {
        let mut registry = registry::lock();
        let generation = registry.generation;
        let handle = registry.runtime.as_ref().map(|rt| rt.handle().clone());
        match registry.clients.get_mut(&client) {
            Some(entry) if entry.owned_sessions_stop == OwnedSessionsStop::NotStarted => {
                entry.owned_sessions_stop = OwnedSessionsStop::Running(std::thread::current().id());
                let handle = handle.filter(|_| entry.generation == generation);
                Some((entry.client.clone(), handle))
            }
            Some(entry) if matches!(entry.owned_sessions_stop, OwnedSessionsStop::Running(_)) => None,
            _ => return,
        }
    };
    match claimed {
        Some((client_handle, runtime)) => {
            if let Some(runtime) = runtime {
                registry::stopping_owned_sessions(vec![client], || {
                    super::runtime::run_to_completion(&runtime, async move {
                        client_handle.close().await;
                    })
                });
            }
            owned_sessions_stop_done(&[client]);
        }
        None => registry::wait_for_owned_sessions_stop(client),
    }
}

fn owned_sessions_stop_done(ids: &[u64]) {
    let mut registry = registry::lock();
    for id in ids {
        if let Some(entry) = registry.clients.get_mut(id) {
            entry.owned_sessions_stop = OwnedSessionsStop::Done;
        }
    }
    drop(registry);
    registry::notify();
}

/// `arr_shutdown`: closes every client of the current generation (the owned sessions' stop included, also for
/// clients another thread is closing or freeing), waits for every callback, then stops and joins the
/// library's threads. A second call while one runs waits for it, unless the first waits for this thread
/// (a callback calling it during a shutdown): then it returns at once, and the first finishes after the
/// callback returns. Likewise a call from a callback that an owned sessions' stop waits for (a token callback that
/// close asked for) hands the shutdown to that close's thread, which runs it once the close is done: the
/// close still needs the runtime a shutdown would stop.
pub(crate) fn shutdown() {
    let me = std::thread::current().id();
    let mut registry = registry::lock();
    if registry.shutdown_by.is_some() {
        drop(registry);
        registry::wait_for_shutdown();
        return;
    }
    if let Some(closer) = registry.owned_sessions_stop_waiting_for(me) {
        registry.shutdown_by = Some(closer);
        registry.shutdown_handed_over = true;
        return;
    }
    registry.shutdown_by = Some(me);
    run_shutdown(registry);
}

/// Runs a shutdown handed to this thread (see [`shutdown`]), if one was.
fn run_handed_over_shutdown() {
    let mut registry = registry::lock();
    if registry.shutdown_handed_over && registry.shutdown_by == Some(std::thread::current().id()) {
        registry.shutdown_handed_over = false;
        run_shutdown(registry);
    }
}

/// The shutdown proper, on the thread recorded in `shutdown_by`.
fn run_shutdown(mut registry: Locked) {
    let me = std::thread::current().id();
    let generation = registry.generation;
    let handle = registry.runtime.as_ref().map(|rt| rt.handle().clone());
    let (mut mine, mut claimed, mut others) = (Vec::new(), Vec::new(), Vec::new());
    for (id, entry) in registry.clients.iter_mut() {
        if entry.generation != generation || entry.phase == Phase::Closed {
            continue;
        }
        if entry.phase == Phase::Open {
            entry.phase = Phase::Closing;
            entry.closer = Some(me);
            mine.push(*id);
        }
        match entry.owned_sessions_stop {
            OwnedSessionsStop::NotStarted => {
                entry.owned_sessions_stop = OwnedSessionsStop::Running(me);
                claimed.push((*id, entry.client.clone()));
            }
            OwnedSessionsStop::Running(_) => others.push(*id),
            OwnedSessionsStop::Done => {}
        }
    }
    registry.cancel_all(None);
    drop(registry);

    registry::wait_for_ops(None);
    let claimed_ids: Vec<u64> = claimed.iter().map(|(id, _)| *id).collect();
    if let Some(handle) = &handle {
        registry::stopping_owned_sessions(claimed_ids.clone(), || {
            super::runtime::run_to_completion(handle, async move {
                let mut closes = tokio::task::JoinSet::new();
                for (_, client) in claimed {
                    closes.spawn(async move { client.close().await });
                }
                while closes.join_next().await.is_some() {}
            })
        });
    }
    owned_sessions_stop_done(&claimed_ids);
    for id in others {
        registry::wait_for_owned_sessions_stop(id);
    }
    finish(&mine);
    registry::wait_for_ops(None);

    let (runtime, busy) = {
        let mut registry = registry::lock();
        let mut busy: HashSet<_> = registry.busy_threads();
        busy.extend(registry.waiting_threads());
        (registry.runtime.take(), busy)
    };
    let mut threads = super::callback_threads::thread_ids();
    threads.extend(super::log_thread::thread_ids());
    registry::joining(threads, || {
        super::callback_threads::stop_and_join(&busy);
        super::log_thread::stop_and_join(&busy);
    });
    if let Some(runtime) = runtime {
        super::runtime::stop(runtime);
    }
    let mut registry = registry::lock();
    registry.generation += 1;
    registry.shutdown_by = None;
    drop(registry);
    registry::notify();
}
