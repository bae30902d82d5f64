//! The `docker` and `swarm` providers, through the Docker Engine API on its local unix socket (bollard).
//!
//! `docker`: one container per session, its two ports published on the configured address.
//! `swarm`: one service per session (one replica, no restarts, ports published through the swarm's
//! ingress, resources reserved and limited per size, the size's placement constraints), so the
//! swarm's scheduler picks the node.
//!
//! Both label what they make: `arr.host=<key>`, `arr.session=<id>`, `arr.account=<id>`, `arr.size`
//! and `arr.instance=<this service>` (several services, or parallel tests, share one engine: each sees
//! only its own). Containers run as an unprivileged user, with every capability dropped, no new
//! privileges, on the default bridge network (never the host's), and without the Docker socket.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bollard::models::{
    ContainerCreateBody, ContainerSummaryStateEnum, EndpointPortConfig, EndpointPortConfigProtocolEnum,
    EndpointPortConfigPublishModeEnum, EndpointSpec, HostConfig, Limit, PortBinding, ResourceObject, ServiceSpec,
    ServiceSpecMode, ServiceSpecModeReplicated, TaskSpec, TaskSpecContainerSpec, TaskSpecPlacement, TaskSpecResources,
    TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum, TaskState,
};
use bollard::query_parameters::{
    CreateContainerOptions, ListContainersOptions, ListServicesOptions, ListTasksOptions, LogsOptions,
    RemoveContainerOptions, StopContainerOptions,
};
use bollard::Docker;
use futures_util::StreamExt;

use super::provider::{last_lines, BoxFuture, HostProvider, HostSpec, ObservedHost};
use super::settings::{DockerSettings, HostsConfig, SizeProfile, SwarmPublishMode};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Container,
    Swarm,
}

/// How often a running host's log tail is read again (each read is one request per host).
const LOG_REFRESH: Duration = Duration::from_secs(2);
/// Longest wait for one engine request.
const REQUEST_TIMEOUT_SECS: u64 = 30;

pub(crate) struct DockerProvider {
    mode: Mode,
    settings: DockerSettings,
    sizes: HashMap<String, SizeProfile>,
    /// The `arr.instance` label value: which hosts are this service's.
    instance: String,
    /// The `arr.owner` label (this process), when no later service could adopt the hosts.
    owner: Option<String>,
    /// Whether hosts left by dead owners were looked for (once, at the first observation).
    reaped: std::sync::atomic::AtomicBool,
    /// Connected at first use, so a service may start before its engine (sessions then fail with the
    /// engine's error rather than the service refusing to start).
    client: Mutex<Option<Docker>>,
    logs: Mutex<HashMap<String, (Instant, Vec<String>)>>,
}

impl DockerProvider {
    pub(crate) fn new(config: &HostsConfig, mode: Mode, instance: String, owner: Option<String>) -> DockerProvider {
        DockerProvider {
            mode,
            settings: config.docker.clone(),
            sizes: config.sizes.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            instance,
            owner,
            reaped: std::sync::atomic::AtomicBool::new(false),
            client: Mutex::new(None),
            logs: Mutex::new(HashMap::new()),
        }
    }

    /// The engine client, connected (and its API version negotiated, so an older engine such as
    /// Debian's docker.io 20.10 is spoken to in its own version) at first use.
    async fn client(&self) -> Result<Docker, String> {
        if let Some(docker) = self.client.lock().unwrap().as_ref() {
            return Ok(docker.clone());
        }
        let socket = self.settings.socket.display().to_string();
        let unreachable = |e: bollard::errors::Error| format!("cannot reach the Docker engine at {socket}: {e}");
        let docker = Docker::connect_with_unix(&socket, REQUEST_TIMEOUT_SECS, bollard::API_DEFAULT_VERSION)
            .map_err(unreachable)?
            .negotiate_version()
            .await
            .map_err(unreachable)?;
        *self.client.lock().unwrap() = Some(docker.clone());
        Ok(docker)
    }

    fn name_of(key: &str) -> String {
        format!("arr-{key}")
    }

    fn labels(&self, spec: &HostSpec) -> HashMap<String, String> {
        let mut labels: HashMap<String, String> = self
            .settings
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        labels.extend([
            ("arr.host".to_string(), spec.key.clone()),
            ("arr.instance".to_string(), self.instance.clone()),
            ("arr.session".to_string(), spec.session_id.clone().unwrap_or_default()),
            ("arr.account".to_string(), spec.account_id.clone().unwrap_or_default()),
            ("arr.size".to_string(), spec.size.clone()),
        ]);
        if let Some(owner) = &self.owner {
            labels.insert("arr.owner".to_string(), owner.clone());
        }
        labels
    }

    /// The contract's variables (after the operator's, so they cannot be overridden).
    fn env(&self, spec: &HostSpec) -> Vec<String> {
        let mut env: Vec<String> = self.settings.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        env.push(format!("ARR_SESSION_ID={}", spec.session_id.as_deref().unwrap_or("")));
        env.push(format!("ARR_SESSION_SIZE={}", spec.size));
        env.push(format!("ARR_HANDSHAKE_PORT={}", spec.handshake_port));
        env.push(format!("ARR_INSPECTOR_PORT={}", spec.inspector_port));
        env
    }

    fn instance_filter(&self) -> HashMap<String, Vec<String>> {
        HashMap::from([("label".to_string(), vec![format!("arr.instance={}", self.instance)])])
    }

    async fn start_container(&self, docker: &Docker, spec: &HostSpec) -> Result<(), String> {
        let image = self.settings.image.clone().ok_or("no host image is configured")?;
        let profile = self.sizes.get(&spec.size).cloned().unwrap_or_default();
        let (nano_cpus, memory_bytes) = resources(&profile);
        let ports = [spec.handshake_port, spec.inspector_port];
        let bindings = ports
            .iter()
            .map(|p| {
                let binding = PortBinding {
                    host_ip: Some(self.settings.publish_address.clone()),
                    host_port: Some(p.to_string()),
                };
                (format!("{p}/tcp"), Some(vec![binding]))
            })
            .collect();
        let body = ContainerCreateBody {
            image: Some(image.clone()),
            env: Some(self.env(spec)),
            labels: Some(self.labels(spec)),
            user: Some(self.settings.user.clone()),
            exposed_ports: Some(ports.iter().map(|p| format!("{p}/tcp")).collect()),
            host_config: Some(HostConfig {
                port_bindings: Some(bindings),
                network_mode: Some("bridge".to_string()),
                privileged: Some(false),
                cap_drop: Some(vec!["ALL".to_string()]),
                security_opt: Some(vec!["no-new-privileges".to_string()]),
                nano_cpus,
                memory: memory_bytes,
                pids_limit: Some(4096),
                ..Default::default()
            }),
            ..Default::default()
        };
        let options = CreateContainerOptions {
            name: Some(Self::name_of(&spec.key)),
            ..Default::default()
        };
        docker
            .create_container(Some(options), body)
            .await
            .map_err(|e| format!("creating a container of image {image}: {e}"))?;
        if let Err(e) = docker.start_container(&Self::name_of(&spec.key), None).await {
            let _ = self.remove_container(docker, &spec.key, Duration::ZERO).await;
            return Err(format!("starting its container: {e}"));
        }
        Ok(())
    }

    async fn start_service(&self, docker: &Docker, spec: &HostSpec) -> Result<(), String> {
        let image = self.settings.image.clone().ok_or("no host image is configured")?;
        let profile = self.sizes.get(&spec.size).cloned().unwrap_or_default();
        let (nano_cpus, memory_bytes) = resources(&profile);
        let port = |p: u16| EndpointPortConfig {
            protocol: Some(EndpointPortConfigProtocolEnum::TCP),
            target_port: Some(i64::from(p)),
            published_port: Some(i64::from(p)),
            publish_mode: Some(match self.settings.swarm_publish_mode {
                SwarmPublishMode::Host => EndpointPortConfigPublishModeEnum::HOST,
                SwarmPublishMode::Ingress => EndpointPortConfigPublishModeEnum::INGRESS,
            }),
            ..Default::default()
        };
        let service = ServiceSpec {
            name: Some(Self::name_of(&spec.key)),
            labels: Some(self.labels(spec)),
            task_template: Some(TaskSpec {
                container_spec: Some(TaskSpecContainerSpec {
                    image: Some(image.clone()),
                    env: Some(self.env(spec)),
                    labels: Some(self.labels(spec)),
                    user: Some(self.settings.user.clone()),
                    capability_drop: Some(vec!["ALL".to_string()]),
                    stop_grace_period: None,
                    ..Default::default()
                }),
                resources: Some(TaskSpecResources {
                    limits: Some(Limit {
                        nano_cpus,
                        memory_bytes,
                        pids: Some(4096),
                    }),
                    reservations: Some(ResourceObject {
                        nano_cpus,
                        memory_bytes,
                        generic_resources: None,
                    }),
                    ..Default::default()
                }),
                // A host that ends is the session's Error, not something to restart behind its back.
                restart_policy: Some(TaskSpecRestartPolicy {
                    condition: Some(TaskSpecRestartPolicyConditionEnum::NONE),
                    ..Default::default()
                }),
                placement: Some(TaskSpecPlacement {
                    constraints: Some(profile.constraints.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            mode: Some(ServiceSpecMode {
                replicated: Some(ServiceSpecModeReplicated { replicas: Some(1) }),
                ..Default::default()
            }),
            endpoint_spec: Some(EndpointSpec {
                ports: Some(vec![port(spec.handshake_port), port(spec.inspector_port)]),
                ..Default::default()
            }),
            ..Default::default()
        };
        docker
            .create_service(service, None)
            .await
            .map(|_| ())
            .map_err(|e| format!("creating a swarm service of image {image}: {e}"))
    }

    async fn last_log(&self, docker: &Docker, container: &str, key: &str, fresh: bool) -> Vec<String> {
        if !fresh {
            if let Some((at, lines)) = self.logs.lock().unwrap().get(key) {
                if at.elapsed() < LOG_REFRESH {
                    return lines.clone();
                }
            }
        }
        let options = LogsOptions {
            stdout: true,
            stderr: true,
            tail: "5".to_string(),
            ..Default::default()
        };
        let mut text = String::new();
        let mut stream = docker.logs(container, Some(options));
        while let Some(Ok(chunk)) = stream.next().await {
            text.push_str(&chunk.to_string());
        }
        let lines = last_lines(&text, 5);
        self.logs
            .lock()
            .unwrap()
            .insert(key.to_string(), (Instant::now(), lines.clone()));
        lines
    }

    async fn observe_containers(&self, docker: &Docker) -> Result<Vec<ObservedHost>, String> {
        let options = ListContainersOptions {
            all: true,
            filters: Some(self.instance_filter()),
            ..Default::default()
        };
        let containers = docker
            .list_containers(Some(options))
            .await
            .map_err(|e| format!("listing containers: {e}"))?;
        let mut hosts = Vec::with_capacity(containers.len());
        for c in containers {
            let Some(key) = c.labels.as_ref().and_then(|l| l.get("arr.host")).cloned() else {
                continue;
            };
            let name = Self::name_of(&key);
            let ended = match c.state {
                Some(ContainerSummaryStateEnum::EXITED) | Some(ContainerSummaryStateEnum::DEAD) => {
                    let inspected = docker.inspect_container(&name, None).await.ok();
                    let code = inspected.and_then(|i| i.state).and_then(|s| s.exit_code);
                    Some(match code {
                        Some(code) => format!("exit status: {code}"),
                        None => c.status.clone().unwrap_or_else(|| "exited".to_string()),
                    })
                }
                _ => None,
            };
            let last_log = self.last_log(docker, &name, &key, ended.is_some()).await;
            hosts.push(ObservedHost { key, ended, last_log });
        }
        Ok(hosts)
    }

    async fn observe_services(&self, docker: &Docker) -> Result<Vec<ObservedHost>, String> {
        let options = ListServicesOptions {
            filters: Some(self.instance_filter()),
            ..Default::default()
        };
        let services = docker
            .list_services(Some(options))
            .await
            .map_err(|e| format!("listing swarm services: {e}"))?;
        let mut hosts = Vec::with_capacity(services.len());
        for service in services {
            let labels = service.spec.as_ref().and_then(|s| s.labels.as_ref());
            let Some(key) = labels.and_then(|l| l.get("arr.host")).cloned() else {
                continue;
            };
            let filters = HashMap::from([("service".to_string(), vec![Self::name_of(&key)])]);
            let tasks = docker
                .list_tasks(Some(ListTasksOptions { filters: Some(filters) }))
                .await
                .map_err(|e| format!("listing the tasks of service {}: {e}", Self::name_of(&key)))?;
            // One replica, never restarted: the newest task is the host.
            let task = tasks
                .into_iter()
                .max_by_key(|t| t.created_at.clone().map(|d| d.to_string()));
            let status = task.as_ref().and_then(|t| t.status.clone());
            let state = status.as_ref().and_then(|s| s.state);
            let ended = match state {
                Some(TaskState::COMPLETE | TaskState::FAILED | TaskState::REJECTED | TaskState::SHUTDOWN)
                | Some(TaskState::ORPHANED | TaskState::REMOVE) => {
                    let code = status
                        .as_ref()
                        .and_then(|s| s.container_status.as_ref())
                        .and_then(|c| c.exit_code);
                    let err = status.as_ref().and_then(|s| s.err.clone()).unwrap_or_default();
                    Some(match code {
                        Some(code) => format!(
                            "exit status: {code}; task {}",
                            state.map(|s| s.to_string()).unwrap_or_default()
                        ),
                        None => format!("task {}: {err}", state.map(|s| s.to_string()).unwrap_or_default()),
                    })
                }
                _ => None,
            };
            let mut last_log = Vec::new();
            if let Some(container) = status
                .as_ref()
                .and_then(|s| s.container_status.as_ref())
                .and_then(|c| c.container_id.clone())
            {
                // The task's container is on this node when it ran here; on another node only the
                // task's message is known here.
                last_log = self.last_log(docker, &container, &key, ended.is_some()).await;
            }
            if last_log.is_empty() {
                if let Some(message) = status.as_ref().and_then(|s| s.err.clone().or(s.message.clone())) {
                    last_log.push(message);
                }
            }
            hosts.push(ObservedHost { key, ended, last_log });
        }
        Ok(hosts)
    }

    async fn remove_container(&self, docker: &Docker, key: &str, grace: Duration) -> Result<(), String> {
        let name = Self::name_of(key);
        let stop = StopContainerOptions {
            t: Some(grace.as_secs_f64().ceil() as i32),
            signal: None,
        };
        // Stopping a stopped or missing container is fine: the removal below is what must succeed.
        let _ = docker.stop_container(&name, Some(stop)).await;
        let remove = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        match docker.remove_container(&name, Some(remove)).await {
            Ok(()) => Ok(()),
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => Ok(()),
            Err(e) => Err(format!("removing container {name}: {e}")),
        }
    }

    async fn remove_service(&self, docker: &Docker, key: &str, grace: Duration) -> Result<(), String> {
        let name = Self::name_of(key);
        match docker.delete_service(&name).await {
            Ok(()) => {}
            Err(bollard::errors::Error::DockerResponseServerError { status_code: 404, .. }) => {}
            Err(e) => return Err(format!("removing service {name}: {e}")),
        }
        // The service is gone at once; its task's container gets SIGTERM, its grace, then SIGKILL. Wait
        // for that container (on this node) to be gone, so "removed" means gone.
        let filters = HashMap::from([(
            "label".to_string(),
            vec![format!("com.docker.swarm.service.name={name}")],
        )]);
        let deadline = Instant::now() + grace + Duration::from_secs(15);
        while Instant::now() < deadline {
            let options = ListContainersOptions {
                all: true,
                filters: Some(filters.clone()),
                ..Default::default()
            };
            match docker.list_containers(Some(options)).await {
                Ok(list) if list.is_empty() => {
                    self.logs.lock().unwrap().remove(key);
                    return Ok(());
                }
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        Err(format!(
            "the container of service {name} was still there {} s after its removal",
            (grace + Duration::from_secs(15)).as_secs()
        ))
    }
}

/// A size's CPU and memory in the engine's units (nano-CPUs, bytes); None where the profile sets none.
fn resources(profile: &SizeProfile) -> (Option<i64>, Option<i64>) {
    let nano_cpus = (profile.cpus > 0.0).then_some((profile.cpus * 1e9) as i64);
    let memory_bytes = (profile.memory_mib > 0).then_some((profile.memory_mib * 1024 * 1024) as i64);
    (nano_cpus, memory_bytes)
}

impl DockerProvider {
    /// Removes containers and services whose `arr.owner` (a service without a state file, on this
    /// machine) is gone: nothing else would ever remove them.
    async fn reap_dead_owners(&self, docker: &Docker) {
        let filters = HashMap::from([("label".to_string(), vec!["arr.owner".to_string()])]);
        let dead = |labels: Option<&HashMap<String, String>>| {
            labels
                .and_then(|l| l.get("arr.owner"))
                .is_some_and(|o| super::owner::is_dead(o))
        };
        if self.mode == Mode::Swarm {
            let options = ListServicesOptions {
                filters: Some(filters.clone()),
                ..Default::default()
            };
            for service in docker.list_services(Some(options)).await.unwrap_or_default() {
                let spec = service.spec.as_ref();
                if dead(spec.and_then(|s| s.labels.as_ref())) {
                    if let Some(name) = spec.and_then(|s| s.name.clone()) {
                        tracing::info!("removing service {name}: the service that made it is gone");
                        let _ = docker.delete_service(&name).await;
                    }
                }
            }
        }
        let options = ListContainersOptions {
            all: true,
            filters: Some(filters),
            ..Default::default()
        };
        for container in docker.list_containers(Some(options)).await.unwrap_or_default() {
            // A swarm task's container goes with its service (above).
            let labels = container.labels.as_ref();
            let swarm_task = labels.is_some_and(|l| l.contains_key("com.docker.swarm.service.name"));
            if dead(labels) && !swarm_task {
                if let Some(id) = container.id {
                    tracing::info!("removing container {id}: the service that made it is gone");
                    let remove = RemoveContainerOptions {
                        force: true,
                        ..Default::default()
                    };
                    let _ = docker.remove_container(&id, Some(remove)).await;
                }
            }
        }
    }
}

impl HostProvider for DockerProvider {
    fn name(&self) -> &'static str {
        match self.mode {
            Mode::Container => "docker",
            Mode::Swarm => "swarm",
        }
    }

    fn start<'a>(&'a self, spec: &'a HostSpec) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let docker = self.client().await?;
            match self.mode {
                Mode::Container => self.start_container(&docker, spec).await,
                Mode::Swarm => self.start_service(&docker, spec).await,
            }
        })
    }

    fn observe(&self) -> BoxFuture<'_, Result<Vec<ObservedHost>, String>> {
        Box::pin(async move {
            let docker = self.client().await?;
            if !self.reaped.swap(true, std::sync::atomic::Ordering::SeqCst) {
                self.reap_dead_owners(&docker).await;
            }
            match self.mode {
                Mode::Container => self.observe_containers(&docker).await,
                Mode::Swarm => self.observe_services(&docker).await,
            }
        })
    }

    fn remove<'a>(&'a self, key: &'a str, grace: Duration) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            let docker = self.client().await?;
            let result = match self.mode {
                Mode::Container => self.remove_container(&docker, key, grace).await,
                Mode::Swarm => self.remove_service(&docker, key, grace).await,
            };
            if result.is_ok() {
                self.logs.lock().unwrap().remove(key);
            }
            result
        })
    }
}
