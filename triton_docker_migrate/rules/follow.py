"""TDM407/TDM408: what reaches a migrated server from anywhere in the run follows its health endpoints.

When the migration removes a server's V1 health port (``--http-health-port``) or moves its health paths
(``/api/health`` -> ``/v2/health``: every V1 server), whatever reaches that server must follow, in the
server's own file or in any other file of the run (CONTRACT.md, "V1 evidence": a file without V1
evidence may be edited by this follow-through, with a finding that says why):

- Kubernetes Services whose selector picks the server's pods (``targetPort`` by number or by name);
- NetworkPolicies whose rules allow the health port to those pods (``ingress`` for the policy's pods,
  ``egress`` towards a peer's);
- route objects (Ingress, Gateway API HTTPRoute, Istio VirtualService and DestinationRule, OpenShift Route) whose
  backend is such a Service: their backend port and their request paths;
- options given to the same container in another file (a kustomize patch of its ``command``/``args``:
  ``ContainerSite.argv``): migrated there by the server line's transformer (``patch_options``);
- probes and ports of the same container written in another file (a kustomize patch of the workload, also
  inline in a ``kustomization.yaml``: a strategic-merge patch, or a JSON 6902 patch of its only server container,
  inline or in a patch file that a kustomization names with its target - by name or by ``labelSelector``:
  ``Links.patch_targets``, ``PodSite.selector``);
- objects written apart that hold the path of a health check of the server, found by their names
  (``CheckSite``, ``HealthMove.refs``, ``Links.refs``): a Terraform variable's or local value's default that a
  probe, a Service annotation or a target group of the server takes (``variables.tf`` of the module; the
  ``module`` blocks that call the module and what they pass on: ``TF_VAR_x``/``-var`` set outside a configuration
  are warnings), a target
  group that an ECS service of the server's file sends to (or, with no ECS service in that file, one on the
  server's HTTP or V1 health port), a GKE ``BackendConfig`` that a Service selecting the
  server names, an App Engine flexible ``app.yaml`` whose image is the server's ``Dockerfile`` in its folder; and
  the routes to such a target group (an ALB listener rule's path patterns: ``CheckSite.route``);
- compose services that run the server (an override file of the same project, ``extends``, the image
  built from the server's Dockerfile) and ``docker run`` of that image: published and exposed ports, health
  checks;
- containers that run, without a command of their own, an image the run builds from the server's Dockerfile
  under a name (``docker build -t``, ``docker/build-push-action``'s ``tags``, compose ``image:`` beside
  ``build:``, Skaffold's artifacts, a Bake target's ``tags``: ``BuildSite.tags``), in a Kubernetes workload,
  a Terraform workload's container (its probes, and the variables they take: ``ContainerSite.refs``), a compose
  service or a ``docker run`` of any file: the same repository, and the same tag when both say one
  (``image_link``; a Helm chart's container whose image its values write runs the image they render:
  ``ContainerSite.image`` and ``also``). Such a container is the server, as its pod makes it (``_runs_built_image``): its probes,
  and the Services and routes that reach its pods, follow; another tag of the repository, a digest, or a
  repository built from more than one Dockerfile is a warning with the V2 path (a compose service or ``docker
  run`` of such an image: ``At.maybe``). When the Dockerfile's ENTRYPOINT is the server binary, a container that
  gives the image options alone gives the server its command line: the documents of a file processed with the
  run's links read those options as a V1 server line (``built_servers``, ``commands.BuiltServer``), which the
  per-file rules migrate;
- ``localhost`` inside the server's container: a ``kubectl exec`` into its workload, a ``docker exec`` into its
  container (by the name Compose gives it too: ``ComposeServiceSite.names``) or a ``docker compose exec`` into its
  service (``ExecSite``, ``Links.execs``), its Dockerfile's HEALTHCHECK when a script the image runs as its command
  starts the server (``run_by_images``), and a file its container holds and runs - a script its Dockerfile COPYs
  (by a pattern too) and its HEALTHCHECK (ENTRYPOINT, CMD, RUN) names, by an absolute path or one relative to its
  WORKDIR, one its compose service or ``docker run`` bind-mounts and its health check names (or mounts alone, a
  compose ``configs:`` file too; one its Dockerfile COPYs alone into its image: ``files_mounted``), one its image holds
  and a container that runs the image names in a probe (``files_run``, ``HealthMove.inside``, ``HealthMove.holds``,
  ``held_run``, ``Links.inside``; such a file is read by the follow-through whatever it holds);
- URLs that reach the server: through a Service's name, a compose service's name, a CI job's service
  container's (``CiDoc.line_hosts``: a GitLab ``alias``), an Argo step's address (``KubernetesDoc.line_hosts``:
  ``{{tasks.serve.ip}}``), or a host port that
  published its health port (``-p``, compose ``ports``, ``kubectl port-forward`` to a Service or a
  workload of the server - a Tiltfile's ``k8s_resource`` port forwards too, and its ``http_get_action``
  probes -, a Service's ``nodePort`` or a container's ``hostPort``: those on any node's address, so a host
  that may be a node's is a warning), or the machine's own port of a server no container runs (a start
  script, a unit, a launcher);
- URLs whose host a script or program reads from a variable of its environment that a compose service or a
  Kubernetes container of the run sets to a server's host or URL (``Links.env``, ``ComposeServiceSite.env``,
  ``ContainerSite.env``, ``PythonDoc.env_urls``): a warning when the run sets the variable to another host too.

Each document exposes its topology (``Document.topology``: pods, Services, policies, routes, compose
services, ``docker run``s, built images); this module decides. A file's own pass records the servers
whose endpoints move (``moves``, kept in ``FileResult.serve``); after every file, the batch run
gathers the files of the run that may reach them (``search_terms``), reads their topologies into
``Links`` (``build_links``) and runs each such file through the pipeline again with the links: the
check below makes its findings, and the writer, the verification and the reports treat them as any
other. A file whose own servers moved and that holds what reaches them is processed once more with
its own links (``pipeline.process_file``). Which servers moved is known only once the fixes are chosen:
a change suppressed, a block kept beside its V2 copy (``--side-by-side``), moves nothing, so nothing
follows it.

A Helm chart is one unit (``pipeline._unit``): once its fixes are chosen, its templates are checked again
with the links of its own servers that moved; labels, selectors and names written by template actions
compare as the actions (``HelmTemplateDoc.value_of``, ``template_labels``), and a change to a value a
template takes from ``.Values.x`` is made in the values files (``HelmTemplateDoc.values_follow``) - unless
another action of the chart writes that value too: then a warning with the change to make. The run's
follow-through reaches into charts the same way: a chart whose files may reach a server of another file
(``may_reach`` on each of its files) is processed again whole (``pipeline.process_unit`` with ``outside``:
the run's moves and the topologies of the other files read), its templates checked with the links of
those servers and of its own, and its results take the place of the first ones. A server inside a chart
is followed by the other files of the run as any server (its moves are in the chart's results), and the
Services and pods its templates define are read into the run's links (the chart's documents linked: a port
or a name its values write is the value). A chart's V2 server is followed the same way when the run looks
for V2 servers (``current``: batch/finish.py reads its server lines with the chart linked). Labels and
names written by template actions compare as the actions' text only within their chart: outside it they
are left out (``across_charts``, ``literal``).

Where the target cannot be told apart (a Service or policy that also selects pods of another server or
of an application that keeps its ports, a port another container of the pod declares, several servers
behind one host port), the finding is a warning without an edit."""

from __future__ import annotations


import os
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Iterator

from .. import facts, kinds
from ..documents.sites import CommandLine, PatchFileSite, PortList, PortValue, Region, is_foreign
from ..intervals import SpansByStart, TakenSpans
from ..model import Edit, Finding, Fix, HealthMove, ProcessingError, Severity, Span
from . import tables as T
from .argv import ALLOW_MODEL_CONTROL, ALLOW_POLL, MODEL_CONTROL_DEFAULT, STRICT_DEFAULT, parse_options, transform
from .registry import FixAvailability as F
from .registry import check, rule

I, W = Severity.INFO, Severity.WARNING

HEALTH_PORT_ROUTE = rule(
    "TDM407", "route-to-removed-health-port", Severity.WARNING, F.SOMETIMES,
    "Something in the run still reaches the V1 health port the migration removed",
    "When the migration removes a server's `--http-health-port` (V2 serves health on the HTTP port and refuses "
    "the option), every object of the run that reaches that port follows, whatever file it is in: a Service "
    "port whose `targetPort` is the health port (by number, or by the container port's name) is removed when "
    "another port of the Service reaches the HTTP port; a NetworkPolicy entry that allows it is removed when "
    "the rule allows the HTTP port too; the backend port of an Ingress, HTTPRoute, VirtualService or "
    "DestinationRule that named such a Service port moves to the Service's HTTP port; a probe of the same "
    "container written in another file (a kustomize patch) uses the HTTP port; a compose service that runs "
    "the server (an override file, `extends`, the image built from the server's Dockerfile) and `docker "
    "run` of that image stop publishing the health port when they publish the HTTP port; and a URL that "
    "reaches the health port through a Service's name, a compose service's name or the host port that "
    "published it uses the HTTP port's; so does a Google Cloud health check of a Terraform file whose VM runs the "
    "server's script as its startup script (`templatefile(\"${path.module}/start.sh.tpl\", {...})`, `file(...)`), and "
    "an AWS target group's `health_check` port of such a VM (attached to it, or named for the server: `traffic-port` "
    "when the target group's requests go to the HTTP port): a port the call gives the template is a warning with the "
    "HTTP port. The message names the server's file and the "
    "line of the removed option.\n\n"
    "Otherwise the finding is a warning with the change to make: a Service with no port to the HTTP "
    "port (routing the health port there would expose V2's whole HTTP API through it), a policy that does "
    "not allow the HTTP port (allowing it opens more than health to those peers), a list that does not "
    "publish the HTTP port. When the target is ambiguous - a selector that also picks pods that keep their "
    "ports, a port another container of the pod declares, several servers behind one host port - nothing "
    "is edited.\n\n"
    "In a Helm chart, the chart's own templates follow its server too: labels, selectors and names written by "
    "template actions compare as the actions (a Service whose selector is `{{ include \"x.selectorLabels\" . }}`, "
    "the same include as the pod template's labels, selects its pods), and a port a template takes from "
    "`.Values.x` is changed in the values files that set it. A selector written by other actions than the "
    "server's pod labels (or a Service elsewhere, when those labels are actions), and a port a helper "
    "computes, are known only once the chart is rendered: a warning with the change to make; so is a Service of "
    "the chart whose selector matches no pod as written, when the server's pod template gives its pods no labels "
    "(its `targetPort` names the removed health port). A chart's templates "
    "follow a server of another file of the run the same way (a chart without V1 evidence included), and a server "
    "in a chart (and a Service a chart defines with a literal name and selector) is followed by the other files of "
    "the run; labels and names written by template actions compare only within their own chart. A value of the "
    "chart's values that another template writes too is not changed: a warning names the server and the other "
    "template.\n\n"
    "Files without V1 evidence are edited only this way (CONTRACT.md, \"V1 evidence\"). "
    "`--ignore TDM407,TDM408` leaves every other file as it is (but for its own V1 evidence). An object that routes to a V1 "
    "block kept by `--side-by-side` is never edited: the kept server is not migrated, so nothing follows it, "
    "and a selector that picks its pods as well as migrated ones is ambiguous.")
HEALTH_PATH_ROUTE = rule(
    "TDM408", "route-to-v1-health-path", Severity.INFO, F.SOMETIMES,
    "A route or URL elsewhere in the run reaches a migrated server's V1 health path",
    "V2 serves none of V1's `/api/` endpoints: once a V1 server is migrated, a route to its `/api/health/ready` "
    "in another file (an Ingress path, an HTTPRoute match, a VirtualService `uri`, an OpenShift Route's `path`, the "
    "`uri` of a Knative event source's `sink` or a Trigger's `subscriber` whose `ref` is the server's Knative Service; a "
    "cloud load balancer's "
    "health check: an Ingress's `alb.ingress.kubernetes.io/healthcheck-path`, a Service's "
    "`service.beta.kubernetes.io/aws-load-balancer-healthcheck-path` or Azure probe path (a Terraform "
    "`kubernetes_service`'s too, in any file of the module, its selector a reference to the workload's labels or "
    "not), the `requestPath` of a GKE `BackendConfig` that the Service names, in any file; the `readiness_check` and "
    "`liveness_check` paths of an App Engine flexible `app.yaml` (`runtime: custom`, `env: flex`, any name) whose "
    "image is the server's `Dockerfile` in the same folder; "
    "a Terraform target group that an `aws_ecs_service` sends to the server's container, each in any file of the "
    "module; a Google Cloud health check of a VM whose startup script, `templatefile()` or `file()` of the module, "
    "runs the server, and an AWS target group attached to such a VM or named for the server), "
    "a Terraform variable's or local value's default that such a check or a probe of the server takes "
    "(`path = var.health_path`, the default in `variables.tf` of the same module, and the value a configuration "
    "that calls the module gives it: `health_path = \"...\"` in its `module` block, or `health_path = var.x` and "
    "that configuration's own default, `terraform.tfvars` and `*.auto.tfvars`; a value given from outside a "
    "configuration, `TF_VAR_x=...` in a script's or a CI job's environment or `terraform apply -var 'x=...'`, is a "
    "warning with the V2 path), a probe of its container "
    "written elsewhere (a kustomize patch file, or a patch inline in `kustomization.yaml`: strategic merge, or JSON "
    "6902 into `/spec/template/spec/containers/<n>` of a workload with one server container, inline or in a patch "
    "file that a kustomization's `patches`/`patchesJson6902` names with its `target`, by name or by `labelSelector`), or a URL that "
    "reaches it through a Service's name (or a pod's name under it, `<pod>.<service>`: a StatefulSet's pods under its "
    "headless Service), a compose service's name (its network `aliases`, and the alias another service's `links` give "
    "it: `inference:trt`), the name a CI job reaches its service container "
    "by (a GitLab `services:` entry's `alias` or the name GitLab derives from its image, a GitHub service's key), "
    "the address of an Argo workflow's step or DAG task that runs the server's template (`{{steps.serve.ip}}`, "
    "`{{tasks.serve.ip}}`; another template expression as the host of a V1 URL in the file that runs the server, "
    "`{{workflow.parameters.host}}`, is a warning, no edit) "
    "- also as a shell `for` loop's variable whose literal list holds only such names (`for h in triton-a triton-b; "
    "do curl http://$h:8000/api/health/ready`; a list that mixes them with other hosts is a warning, no edit) - "
    "also as a script's argument that the files of the run that run it give as such a URL (`sh ci/wait.sh "
    "http://trtis:8000` in a CI job, the script asking `$1/api/health/ready` or Python's `sys.argv[1] + "
    "\"/api/health/ready\"`; a script that another call gives another host is a warning, no edit) - "
    "or a published host port (`-p`, compose "
    "`ports`, a `kubectl port-forward` to its Service or workload or a Tiltfile's `k8s_resource` `port_forwards` "
    "(also under the name `new_name` gave the resource; and its `http_get_action(port=..., path=...)` probes), the `nodePort` of its Service or its "
    "container's `hostPort` or a `hostNetwork` pod's port, a Terraform `docker_container`'s `ports` or "
    "`kubernetes_service`'s `node_port`, Skaffold's `portForward`, a kind cluster's `extraPortMappings` of its "
    "node port; `localhost` in a `kubectl exec` into its workload, which runs in its pod, in a `docker exec` into "
    "its container (`--name`, `container_name`, or the name Compose gives a service's container: "
    "`<project>-<service>-1`, Compose 1's `<project>_<service>_1`, the project being the file's `name` or its "
    "folder) or a `docker compose exec` into its compose service, and in a script "
    "its container runs: one its Dockerfile COPYs or ADDs from the build context (also by a pattern, "
    "`COPY scripts/*.sh /opt/scripts/`) and names in its `HEALTHCHECK`, `ENTRYPOINT`, `CMD` or a `RUN` (by an "
    "absolute path, or relative to the `WORKDIR`: `./ready.sh`), one its compose service or its `docker run` "
    "bind-mounts and names in its `healthcheck`, `command` or `entrypoint` (`--health-cmd`), a file it mounts alone "
    "(`./wait.sh:/wait.sh`, a compose `configs:` entry's `file`) or its Dockerfile COPYs alone into its image "
    "(`COPY healthz.py /usr/local/bin/healthz.py`), whoever runs it, one its image holds that "
    "a container running the image names (a Kubernetes probe's `exec` command, a compose `healthcheck`, a "
    "`--health-cmd`); in such a file, a URL to its own `localhost` whose port a variable holds "
    "(`localhost:${PORT}`, a Python f-string's `{PORT}`) moves when the variable's one value or default is the "
    "server's HTTP port and is a warning otherwise: the removed health port, or a port known only at run time) - or "
    "the port a server listens on when no container runs it (a start script's `exec trtserver`, a systemd or "
    "supervisord unit, a launcher's subprocess: `curl localhost:8000/...` on the same machine) - uses "
    "`/v2/health/...` too (a program that a Dockerfile of the run COPYs by name into an image of another "
    "application - no stage on a Triton image, no server line: `FROM python:3.11`, `COPY main.py .` - runs in "
    "that container, whose `localhost` is its own: its URLs there stay); a node port reached through a host known only at run time (`$NODE_IP:30800`, "
    "`$(minikube ip):30800`) or through an address that may be a node's is a warning with the change to make, "
    "and so is a V1 path written alone in a proxy's configuration (an Envoy cluster's health check in a "
    "ConfigMap) whose upstream address is the server's Service. The per-file rule TDM401 covers what the server's own "
    "files say; this rule covers what reaches the server from anywhere in the run and names the server's "
    "file and line. Other V1 endpoints reached this way are reported with their own rules (TDM402-TDM405). "
    "Such a URL in a file of no known syntax - a program's source (`wait.js`, `main.go`, Java, Ruby, ...) or a "
    "runbook's code block - is reported as a warning with the V2 form as its suggestion, never edited; there a "
    "constant set once to the base (`const SERVER = \"http://localhost:8000\"`) and joined to the path "
    "(`SERVER + \"/api/health/ready\"`) is followed too. "
    "A URL whose host (or whole base) a script or program reads from a variable of its environment "
    "(`$INFERENCE_HOST`, `${INFERENCE_HOST:-localhost}`, `os.environ.get(\"INFERENCE_HOST\", ...)`, `os.getenv`, "
    "`os.environ[...]`; a name the file sets from one, a string constant its path is held in) reaches the server "
    "that a compose service's `environment` or a Kubernetes container's `env` of the run names in that variable (a "
    "compose service's name, a Service selecting the server's pods, with or without its namespace; `TRITON_URL: "
    "http://inference:8000`): its V1 paths follow when its port is the server's HTTP port (written, or the default "
    "of the port's variable), and the message names the variable and the file that sets it. When the run also sets "
    "the variable to another host, or the port is known only at run time, it is a warning with the V2 path. "
    "A URL whose host, port or path a script holds in variables it sets to one value (`HOST=inference`, "
    "`READY=/api/health/ready`, `http://$HOST:$PORT$READY`) is read with those values; a V1 path held so is changed "
    "where the variable is set (a warning when it is set in more than one place, or when the script also uses it "
    "in a URL not known to reach a migrated server: split the variable); a base set once (`TRITON=http://triton:8000`, "
    "`$TRITON$READY`) is read the same way, and a host and port set once to another service's are no run-time URL. "
    "A V1 health path after a host and a port both known only at run time (`http://$HOST:$PORT/api/health/ready`, "
    "an f-string's `{port}`), in a run that publishes a server on the machine's ports, may reach it: a warning "
    "with the V2 path, never an edit. "
    "When the route also reaches pods that stay V1 (a selector shared with an application or a V1 block kept "
    "by `--side-by-side`), the path is reported with its V2 form instead of being changed.\n\n"
    "A server that is V2 already (migrated earlier, by hand or by this tool) is followed the same way when a file "
    "of the run holds a V1 endpoint that its own rules could not place (`curl localhost:8000/api/health/ready` "
    "in a readiness script, an Ingress path): the run looks for the V2 servers of its compose files, manifests, "
    "scripts and Helm charts (a chart's templates read with its values), and a URL or route that reaches one of "
    "them uses `/v2/health/...` (V2 never served the V1 path); a host known only at run time is a warning. A "
    "chart's own templates follow its V2 server too (an Ingress template's path). So a second run on a migrated "
    "tree, or a chart migrated alone, still reports what the first run found.\n\n"
    "A chart's template that asks the chart's own Service through template actions (the test hook of `helm create`: "
    "`wget '{{ include \"x.fullname\" . }}:{{ .Values.service.port }}/api/status'`) reaches the server when the host "
    "is the Service's name written by the same action and the port, read from the chart's values, is the Service's "
    "port to the HTTP port; another port is a warning with the V2 path. A value of the chart that is a URL's whole "
    "base (`tritonUrl: http://platform-triton:8000`, asked as `{{ .Values.tritonUrl }}/api/health/ready`) reaches "
    "the Service its host names; a host that ends as the name of a Service the chart names after its release "
    "(`{{ .Release.Name }}-triton`) is that Service only for one release name, which the installer gives: a warning "
    "with the V2 path.\n\n"
    "An image the run builds from a V1 server's Dockerfile under a name (`docker build -t NAME`, "
    "`docker/build-push-action`'s `tags`, compose `image:` beside `build:`, Skaffold's `artifacts[].image`, a Bake "
    "target's `tags`) is that server wherever a container runs it without a command of its own (a Kubernetes "
    "workload in another file, a Terraform `kubernetes_deployment`'s container, a compose service, `docker run`): its "
    "probes' V1 paths (and the Terraform variables they take), and the Services and routes that reach its pods, "
    "follow, and the message names the image, its Dockerfile and the file that builds it. The "
    "repository (registry and path) must be the same, and the tag too when both sides give one (a tag set when the "
    "build runs, `$VERSION` or `${{ github.sha }}`, matches any); another tag of the repository, a digest, or a "
    "repository that more than one Dockerfile builds is a warning with the V2 path, never an edit - in a "
    "Kubernetes container's probes, a compose service's own health check, and a URL that reaches the host port "
    "a compose service or a `docker run` of such an image publishes. A container that gives the image options "
    "alone (`args`, compose `command`, the words after the image of `docker run`) is the server too when its "
    "Dockerfile's `ENTRYPOINT` is the server binary: those options are its command line (TDM110). A Helm chart's "
    "container whose image template actions write from the chart's values (`{{ .Values.image.repository }}:"
    "{{ .Values.image.tag | default .Chart.AppVersion }}`, a registry written apart) runs the image those values "
    "render; when another values file of the chart renders another image, it is a warning. Once the "
    "Dockerfile is V2 (migrated alone), those V1 paths are still reported and fixed, as for any V2 server. A server "
    "started by a script that the Dockerfile COPYs and names in its `CMD` or `ENTRYPOINT` (`CMD [\"./start.sh\"]`) "
    "is that image's server the same way, and the Dockerfile's `HEALTHCHECK` runs in its container.")

#: the health port row of the removed options (its finding says where the option stood)
_HEALTH_OPTION = next(r.id for r in T.REMOVED_OPTIONS if r.option == "http-health-port")
#: host names that are the host itself (a published port), or the container itself (inside it)
LOCAL = facts.LOCAL_HOSTS
#: ``[scheme://]host:port[/path]``
_HOST_PORT = re.compile(r"(?<![\w./:-])(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?"
                        r"(?P<host>\[[0-9a-fA-F:]+\]|[A-Za-z0-9_][\w.-]*|\$\{(?:[A-Za-z_]\w*|\d+)(?::?[-=][^}\s]*)?\}"
                        r"|\$(?:[A-Za-z_]\w*|\d)|\$\([^()\n]*\)|`[^`\n]*`|\{[A-Za-z_][\w.]*\}|\{\{[ \t]*[\w.]+[ \t]*\}\})"
                        r":(?P<port>\d{1,5})(?![\w:])"
                        r"(?P<path>/[\w/.%-]*)?")
#: ``:port[/path]`` at the start of a literal part that follows a placeholder
_PORT_FIRST = re.compile(r"(?P<host>):(?P<port>\d{1,5})(?![\w:])(?P<path>/[\w/.%-]*)?")
#: V1's health endpoints right after a value known only at run time (``http://$HOST:$PORT/api/health/ready``,
#: ``${BASE_URL}/api/health/live``; a Python f-string's ``{port}`` is the region's placeholder)
_AFTER_VALUE = re.compile(r"(?:\$\{[^}\s]*\}|\$[A-Za-z_]\w*)(?P<path>/api/health/(?:live|ready)\b)")
_HEALTH_FIRST = re.compile(r"(?P<path>/api/health/(?:live|ready)\b)")
#: V1's API right after a URL base held by a name (``SERVER + "/api/status"``, ``f"{URL}/api/infer/{m}"``)
_API_FIRST = re.compile(r"(?P<path>/api/(?:health|status|infer|modelcontrol|sharedmemorycontrol|repository|profile)\b"
                        r"[\w/.%-]*)")
_HEALTH_AFTER_VALUE = re.compile(rb"(?:\}|\$[A-Za-z_]\w*)/api/health/(?:live|ready)")
#: a program source's V1 path joined to a name that holds the URL base (Go's ``SERVER + "/api/health/ready"``,
#: JavaScript's ``fetch(BASE + '/api/status')``)
_JOINED_API = re.compile(r"(?<![\w.$])(?P<name>[A-Za-z_]\w*)[ \t]*\+[ \t]*[\"'`]" + _API_FIRST.pattern)
#: a URL of a chart's template whose host is a template action (masked), its port a number or an action
_TEMPLATE_URL = re.compile("(?<![\\w./:-])(?:https?://)?(?P<host>\\$\u2063+)(?::(?P<port>\\d{1,5}|\\$\u2063+))?"
                           r"(?P<path>/api/[\w/.-]*)")
#: a value that is a URL's base alone (``http://platform-triton:8000``)
_URL_BASE = re.compile(r"(?:(?P<scheme>https?)://)?(?P<host>[A-Za-z0-9][\w.-]*)(?::(?P<port>\d{1,5}))?/?")
#: a Service of a chart named after the release (``{{ .Release.Name }}-triton``)
_RELEASE_NAMED = re.compile(r"\{\{ \.Release\.Name \}\}(?P<rest>[\w.-]+)")
#: a V1 path written alone (a proxy's health check ``path:``), not as part of a URL
_BARE_V1_PATH = re.compile(r"(?<![\w/.:$}%-])(?P<path>/api/(?:" + "|".join(facts.V1_ENDPOINT_WORDS) + r")(?![\w-])[\w/.-]*)")
#: a V1 path after a port known only at run time (``$NODE_IP:$NODE_PORT/api/health/ready``)
_VARIABLE_PORT_PATH = re.compile(r":(?:\$\{?[A-Za-z_]\w*\}?|\$\([^()\n]*\))(?P<path>/api/(?:" + "|".join(facts.V1_ENDPOINT_WORDS)
                                 + r")(?![\w-])[\w/.-]*)")
#: a Terraform variable given a V1 path from outside its configuration: ``TF_VAR_x=/api/...`` (a script's or a CI
#: job's environment), ``-var 'x=/api/...'`` (a terraform command line)
_TF_VAR = re.compile(r"(?<![\w$])(?:TF_VAR_(?P<env>[A-Za-z_]\w*)[\"']?[ \t]*[=:][ \t]*"
                     r"|-var(?:[ \t]+|=)[\"']?(?P<opt>[A-Za-z_][\w-]*)=)[\"']?(?P<path>/api/[\w/.-]*)")
#: ``http(s)://host/api/...`` (no port: the scheme's)
_HOST_PATH = re.compile(r"(?<![\w./:-])(?P<scheme>https?)://(?P<host>[A-Za-z0-9_][\w.-]*)(?P<path>/api/[\w/.-]*)")


# --- the file's pass: the servers whose health endpoints move -------------------------------------

def moves(doc, ctx, findings: list[Finding]) -> list[HealthMove]:
    """The server lines of ``doc`` whose health endpoints this run moves, with what identifies them.
    ``findings``: the file's findings, their ``fixed`` set (a line whose changes are suppressed, or kept
    beside its V2 copy, moves nothing)."""
    lines = [(cl, res) for cl, res in ctx.server_lines() if not cl.report_only]
    if not lines:
        return []
    fixed = [f for f in findings if f.fixed and f.span is not None]
    fixed_at = SpansByStart(f.span for f in fixed)  # no scan of every fix per line
    fixed_keys = {(f.rule, f.span) for f in fixed}
    real = _real(doc.path)
    out: list[HealthMove] = []
    where = _Where(ctx.topology())
    for cl, res in lines:
        words = [w for seg in cl.segments for w in seg.words]
        if not words:
            continue
        start, end = min(w.start for w in words), max(w.end for w in words)
        spans = [Span(start, end), *cl.images]
        migrated = cl.v1 and any(fixed_at.any_within(sp.start, sp.end) for sp in spans)
        health = health_line = None
        if res.health_port:
            opt = next((f for f in res.findings if f.rule == _HEALTH_OPTION and f.fix is not None), None)
            if opt is not None and (opt.rule, opt.span) in fixed_keys:
                health = res.health_port
                health_line = _line_of(doc, cl, opt.span) if opt.span is not None else None
        if not migrated and health is None:
            continue
        m = HealthMove(real, _line_of(doc, cl, cl.binary or words[0]), res.http_port, health, health_line, migrated)
        # (V1's strict default written --strict-model-config=true, where options given after it decide: nothing
        # given elsewhere contradicts it)
        added = [f for f in res.findings if f.rule in _ADDED and f.fix is not None and (f.rule, f.span) in fixed_keys
                 and not (f.rule == STRICT_DEFAULT.id and all("disable-auto-complete-config" not in e.content
                                                              for e in f.fix.edits))]
        m.added = tuple(sorted({_ADDED[f.rule] for f in added}))
        m.mode = res.mode
        if added:  # the list that holds the last word before them (new options go after the last option)
            at = min(e.span.start for f in added for e in f.fix.edits)  # type: ignore[union-attr]
            m.added_in = max(((w.end, seg.label) for seg in cl.segments for w in seg.words if w.end <= at),
                             default=(0, None))[1]
        _identify(m, cl, where, doc)
        out.append(m)
    publish_node_ports(out, [(real, where.topo)])
    return out


def _line_of(doc, cl: CommandLine, at) -> int:
    """The line of ``at`` (a span or a word) of ``cl``; for a word a chart's template copies from its values
    (``sites.foreign_copy``), the line of the template's own part of the container (a word of its own, its
    image)."""
    if not is_foreign(at):
        return doc.position(at.start)[0]
    own = [w.start for seg in cl.segments for w in seg.words if not is_foreign(w)] + [sp.start for sp in cl.images]
    return doc.position(own[0] if own else 0)[0]


def current(doc, ctx) -> list[HealthMove]:
    """The V2 server lines of ``doc`` (nothing of them moves): a V1 ``/api/`` path that reaches one of them
    from another file was left behind by an earlier migration, by hand or by this tool, and never worked
    (the follow-through runs for them when a file of the run holds a V1 endpoint no rule could place)."""
    real = _real(doc.path)
    where = _Where(ctx.topology())
    out: list[HealthMove] = []
    for cl, res in ctx.server_lines():
        words = [w for seg in cl.segments for w in seg.words]
        if cl.v1 or cl.report_only or not words:
            continue
        m = HealthMove(real, doc.position((cl.binary or words[0]).start)[0], res.http_port, paths=True, current=True)
        _identify(m, cl, where, doc)
        out.append(m)
    publish_node_ports(out, [(real, where.topo)])
    return out


def _key(cl) -> tuple:
    """A server line by where its words stand (a reader may build its lines again on each call)."""
    return tuple((w.start, w.end) for seg in cl.segments for w in seg.words)


class _Where:
    """The parts of a topology that run each server line, by the line's key (indexed once: a file's
    lines are not each compared with every part); each list in the topology's order."""

    def __init__(self, topo) -> None:
        self.topo = topo
        self._others: tuple | None = None
        self.containers: dict[tuple, list] = {}  #: key -> (pod, container)
        self.compose: dict[tuple, list] = {}
        self.docker_runs: dict[tuple, list] = {}
        self.builds: dict[tuple, list] = {}
        for pod in topo.pods:
            for c in pod.containers:
                for key in dict.fromkeys(_key(x) for x in c.lines):
                    self.containers.setdefault(key, []).append((pod, c))
        for name in ("compose", "docker_runs", "builds"):
            index = getattr(self, name)
            for part in getattr(topo, name):
                for key in dict.fromkeys(_key(x) for x in part.lines):
                    index.setdefault(key, []).append(part)

    def others_inside(self) -> tuple:
        """The topology's files that only other containers run (``others_inside``), read once."""
        if self._others is None:
            self._others = tuple(others_inside([(None, self.topo)]).items())
        return self._others


#: kinds whose commands run on the machine that runs the file (a script, a make target, a systemd or
#: supervisord unit, a launcher), not in a container this file describes (a CI file's service health
#: commands run in their own containers, where ``localhost`` is not the runner)
_ON_THE_HOST = frozenset({"shell", "makefile", "unit", "python"})


def _identify(m: HealthMove, cl, where: _Where, doc) -> None:
    """What tells another file that it reaches the server of ``cl``. A server that no container, compose
    service or ``docker run`` of its file runs, in a kind whose commands run on the machine itself, listens
    on that machine: its HTTP port (and a V1 health port) is a host port, as if published. The objects
    written apart that hold its health check's path (``doc.health_refs``: a Terraform variable, a target
    group) are named in ``refs``."""
    kind = doc.kind
    refs = getattr(doc, "health_refs", None)
    if refs is not None:
        m.refs = tuple(refs(cl))
    line_hosts = getattr(doc, "line_hosts", None)
    if line_hosts is not None:  # a CI job's service container: the names its jobs reach it by (a GitLab ``alias``)
        m.hosts = tuple(dict.fromkeys(m.hosts + tuple(line_hosts(cl))))
    key = _key(cl)
    if kind in _ON_THE_HOST and not any(key in index for index in (
            where.containers, where.compose, where.docker_runs, where.builds)):
        m.published += _own_ports(m)
    for pod, c in where.containers.get(key, ()):
        m.labels, m.namespace, m.workload, m.container = dict(pod.labels), pod.namespace, (pod.kind, pod.name), c.name
        m.port_names = dict(c.ports)
        m.others = tuple(sorted({p for o in pod.containers if o is not c for kv in o.ports.items() for p in kv}))
        if c.port_list is not None:  # ``hostPort``: published on the address of the node that runs the pod
            m.published += _published([c.port_list])
        if pod.host_network:  # the node's own ports
            m.published += tuple(x for x in _own_ports(m) if x not in m.published)
    for s in where.compose.get(key, ()):
        m.compose, m.hosts = (s.folder, s.name), tuple(dict.fromkeys(m.hosts + tuple(s.hosts)))
        m.published += _published([pl for pl in s.lists if pl.where == "ports"])
        m.containers += tuple(s.names)
        m.inside += tuple(s.inside)
    for d in where.docker_runs.get(key, ()):
        m.published += _published([d.ports])
        m.containers += (d.name,) if d.name else ()
        m.inside += tuple(d.inside)
    if where.compose.get(key) or where.docker_runs.get(key):
        m.elsewhere = where.others_inside()
    for b in where.builds.get(key, ()):
        m.build = b.dockerfile
        m.inside += tuple(b.inside)
        m.holds += tuple(tuple(h) for h in b.holds)
        first = cl.segments[0] if cl.segments else None
        if kind == "dockerfile" and cl.binary is not None and first is not None and first.label == "ENTRYPOINT" \
                and first.words and first.words[-1] is cl.binary:
            m.entrypoint = cl.binary.value


def _own_ports(m: HealthMove) -> tuple:
    """The server's HTTP port (and V1 health port) on the address it listens on, as published ports."""
    return tuple((p, p) for p in dict.fromkeys((m.http, m.health)) if p)


def _published(lists: list[PortList]) -> tuple:
    return tuple((e.host, e.port) for pl in lists for e in pl.entries if e.host and e.port)


_VARIABLE = re.compile(r"\$\{?([A-Za-z_]\w*|\d+)(?::?[-=]([^}\s]*))?\}?|\$\(([A-Za-z_]\w*)\)")
#: a URL whose scheme, host and port a variable holds, then a V1 path (``$(TRITON_URL)/api/health/ready``)
#: a URL's path held by a variable right after its port (``:8000${READY_PATH}``, ``:$PORT$READY``)
_PATH_AFTER_PORT = re.compile(rb":(?:\d{1,5}|\$\{?[A-Za-z_]\w*\}?)\$\{?[A-Za-z_]")
#: a URL written with variables for its host, port or path (``http://$HOST:$PORT$READY``, ``localhost:8000${PATH_}``)
_HELD_URL = re.compile(r"(?<![\w./:$-])(?:https?://)?(?P<host>[A-Za-z0-9_][\w.-]*|\$\{[A-Za-z_]\w*\}|\$[A-Za-z_]\w*)"
                       r":(?P<port>\d{1,5}|\$\{[A-Za-z_]\w*\}|\$[A-Za-z_]\w*)"
                       r"(?P<rest>\$\{[A-Za-z_]\w*\}|\$[A-Za-z_]\w*|/api/[\w/.-]*)")
#: a URL base held by one variable and its path by another (``$TRITON$READY``, ``TRITON=http://triton:8000``)
_HELD_BASE = re.compile(r"(?<![\w$])(?P<base>\$\{[A-Za-z_]\w*\}|\$[A-Za-z_]\w*)(?P<rest>\$\{[A-Za-z_]\w*\}|\$[A-Za-z_]\w*)")
#: a URL's host and port (either held by a variable) right before a place: ``$HOST:$PORT`` before ``/api/...``
_HOST_PORT_BEFORE = re.compile(r"(?<![\w.$-])(?P<host>[A-Za-z0-9_][\w.-]*|\$\{[A-Za-z_]\w*\}|\$[A-Za-z_]\w*)"
                               r":(?P<port>\d{1,5}|\$\{[A-Za-z_]\w*\}|\$[A-Za-z_]\w*)\Z")
_VARIABLE_URL = re.compile(r"(?<![\w$])(?P<var>\$\{[A-Za-z_]\w*\}|\$\([A-Za-z_]\w*\)|\$[A-Za-z_]\w*)(?P<path>/api/[\w/.-]*)")


def variable_host(host: str, text: str) -> str | None:
    """The one host a variable written as a URL's host stands for in ``text``: its default
    (``${HOST:-localhost}``) and the values the text assigns it (``HOST=${1:-localhost}``,
    ``export HOST=triton``), when they all agree; None when nothing (or several hosts) says which."""
    m = _VARIABLE.fullmatch(host)
    if m is None:
        return None
    name = m.group(1) or m.group(3)
    values = {m.group(2)} if m.group(2) else set()
    # a container's ``env`` entry (``- name: HOST`` with ``value: triton``), in any manifest of the text
    for a in re.finditer(r"(?<![\w-])name:[ \t]*[\"']?" + re.escape(name) + r"[\"']?[ \t]*(?:,[ \t]*|\r?\n[ \t]*)"
                         r"value:[ \t]*([^\s,}]+)", text):
        value = a.group(1).strip("\"'")
        if not value or "$" in value:
            return None
        values.add(value)
    for a in re.finditer(r"(?m)(?:^|[;&|\s])(?:export\s+|local\s+|readonly\s+|declare\s+)?" + re.escape(name)
                         + r"=([^\s;&|]*)", text):
        value = a.group(1).strip("\"'")
        inner = _VARIABLE.fullmatch(value)
        if inner is not None:  # HOST=${1:-localhost}: the default of what it is set from
            value = inner.group(2) or ""
        if not value or "$" in value:
            return None
        values.add(value)
    return values.pop() if len(values) == 1 else None


#: a shell ``for NAME in WORD...; do`` (the list up to ``;`` or the end of the line), and the keywords that open and
#: close its body
_FOR = re.compile(r"(?<![\w$.-])for[ \t]+([A-Za-z_]\w*)[ \t]+in[ \t]+([^;\n#]*?)[ \t]*(?:;[ \t]*|\n[ \t\n]*)do(?![\w.-])")
_DO_DONE = re.compile(r"(?<![\w$/.-])(do|done)(?![\w/.-])")


def loop_hosts(host: str, text: str, at: int) -> list[str] | None:
    """The literal list of the innermost ``for VAR in a b c; do ... done`` of ``text`` whose body holds ``at``,
    when ``host`` is that ``$VAR``/``${VAR}`` (``for svc in triton web; do curl "http://$svc:8000/..."``): the
    hosts the URL asks, one per turn. None when no such loop holds it or its list is not literal words."""
    m = _VARIABLE.fullmatch(host)
    if m is None or not m.group(1) or m.group(2) is not None or "for" not in text:
        return None
    name = m.group(1)
    best = None
    for f in _FOR.finditer(text, 0, at):
        if f.group(1) != name:
            continue
        depth = 1
        for d in _DO_DONE.finditer(text, f.end()):
            depth += 1 if d.group(1) == "do" else -1
            if depth == 0:
                if at < d.start():
                    best = f
                break
    if best is None:
        return None
    words = [w.strip("\"'") for w in best.group(2).split()]
    if not words or any(not w or any(c in w for c in "$`*?[{(") for w in words):
        return None
    return list(dict.fromkeys(words))


def _api_paths_after(r: Region, text: str, before: "re.Pattern[str]", reach: int) -> Iterator[tuple[re.Match, re.Match]]:
    """Each V1 path of region ``r`` that comes right after what ``before`` matches in the ``reach`` characters of
    ``text`` before it (a URL's own-port host, a script's argument): (the path's match, the match before it)."""
    for u in _API_FIRST.finditer(r.text):
        start = r.off(u.start())
        b = before.search(text, max(0, start - reach), start)
        if b is not None:
            yield u, b


#: a URL to the container's own address whose port a variable holds, right before a path (``localhost:${PORT}``,
#: ``http://$HOST:$PORT``, a Python f-string's ``127.0.0.1:{PORT}``)
_OWN_PORT_URL = re.compile(r"(?:https?://)?(?P<host>localhost|127\.0\.0\.1|\[::1\]|\$\{?[A-Za-z_]\w*(?::?-[^}\s]*)?\}?"
                           r"|\{[A-Za-z_]\w*\})"
                           r":(?P<port>\$\{?[A-Za-z_]\w*(?::?-[^}\s]*)?\}?|\{[A-Za-z_]\w*\})[\"']?\Z")
#: the container's own address (``host.docker.internal`` is the machine's, seen from a container)
_OWN_HOSTS = LOCAL - {"host.docker.internal", "0.0.0.0"}


#: a script's argument right before a path: the shell's ``$1``/``${1}``, Python's ``sys.argv[1] + "`` and an
#: f-string's ``{sys.argv[1]}``
_ARGUMENT_BEFORE = re.compile(r"\$(?:\{(\d)\}|(\d))\Z|sys\.argv\[(\d)\][ \t]*\+[ \t]*[rRuU]?[\"']\Z|\{sys\.argv\[(\d)\]\}\Z")


def assigned_value(name: str, text: str) -> str | None:
    """The one value a program assigns to ``name`` once, as a constant or an environment read's default
    (``PORT = 8000``, ``PORT = int(os.environ.get("HTTP_PORT", "8000"))``, ``HOST = "127.0.0.1"``), or None."""
    found = re.findall(r"(?m)^[ \t]*" + re.escape(name) + r"[ \t]*(?::[^=\n]*)?=(?!=)[ \t]*(.*)$", text)
    if len(found) != 1:
        return None
    values = [a or b for a, b in re.findall(r"[\"']([^\"'\s]*)[\"']|(?<![\w.])(\d+)(?![\w.])", found[0])]
    if "environ" in found[0] or "getenv" in found[0]:
        values = values[1:]  # (the variable's name, then its default)
    return values[0] if len(values) == 1 and values[0] else None


def _env_name(host: str, text: str) -> str | None:
    """The environment variable a URL's host written as a variable reads: ``$X``, ``${X}``, ``${X:-default}``, or
    one the text sets it from, once (``H=${X:-localhost}`` then ``$H``)."""
    m = _VARIABLE.fullmatch(host)
    if m is None or not m.group(1) or m.group(1).isdigit():
        return None
    name = m.group(1)
    assigned = re.findall(r"(?m)(?:^|[;&|\s])(?:export\s+|local\s+|readonly\s+|declare\s+)?" + re.escape(name)
                          + r"=([^\s;&|]*)", text)
    if not assigned:
        return name
    inner = _VARIABLE.fullmatch(assigned[0].strip("\"'")) if len(assigned) == 1 else None
    return inner.group(1) if inner is not None and inner.group(1) and not inner.group(1).isdigit() else None


#: a route's path that is V1's API prefix and nothing more (``/api``, ``/api/``, ``/api/*``, ``/api(/|$)(.*)``)
_V1_PREFIX = re.compile(r"/api(?:/|/\*|/\.\*|\(/\|\$\)\(\.\*\)|/\(\.\*\))?")


def _rewrites_to_v1(target: str) -> bool:
    """A rewrite target under V1's API prefix that names no endpoint itself (``/api/$2``; ``/api/infer/$1`` is an
    endpoint, judged as one)."""
    from .endpoints import _ROWS

    return target.startswith("/api/") and not any(rx.match(target) for _rl, _u, rx in _ROWS)


#: the words that may declare a name before it (``export``, JavaScript's ``const``/``let``/``var``, Go's ``const``,
#: Java's ``private static final String``)
_DECLARES = r"(?:(?:export|const|let|var|final|static|private|public|protected|readonly)[ \t]+)*(?:String[ \t]+)?"


def base_url(name: str, text: str) -> tuple[str, str] | None:
    """(host, port) of the one URL base ``text`` assigns to ``name`` (``SERVER = "http://localhost:8000"``,
    ``SERVER=http://triton:8000``, a program's constant: ``const ORDERS = "http://orders:8000";``, Go's
    ``const X = "..."``, Java's ``static final String X = "...";``), or None."""
    if not re.fullmatch(r"[A-Za-z_]\w*", name):
        return None
    found = re.findall(r"(?m)^[ \t]*" + _DECLARES + re.escape(name) + r"[ \t]*(?::[ \t]*\w+[ \t]*)?=[ \t]*"
                       r"[rRuU]?[\"'`]?https?://([A-Za-z0-9_.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})/?[\"'`]?[ \t]*;?[ \t]*"
                       r"(?:(?:#|//).*)?$", text)
    assigned = re.findall(r"(?m)^[ \t]*" + _DECLARES + re.escape(name) + r"[ \t]*(?::[^=\n]*)?=(?!=)", text)
    return found[0] if len(found) == 1 and len(assigned) == 1 else None


def bare_name(placeholder: str) -> str:
    """The name a region's placeholder holds: ``URL``, an f-string's ``{URL}``."""
    return placeholder[1:-1].strip() if placeholder.startswith("{") and placeholder.endswith("}") else placeholder


def _real(path: str) -> str:
    return os.path.realpath(path) if path else ""


# --- the run: what reaches whom -------------------------------------------------------------------

@dataclass
class At:
    """A server whose health endpoints move, and the file that holds it (as reported; "" checked alone)."""

    move: HealthMove
    path: str = ""
    #: a container that runs the server's image without a command of its own (``registry/app:tag``, built from
    #: the server's Dockerfile by another file of the run): how a finding says why it is the server
    via: str = ""
    #: a compose service or ``docker run`` that runs another tag of the server's image, or a digest
    #: (``image_link``): why it may be another image (what reaches it is a warning, never an edit)
    maybe: str | None = None

    def where(self, here: str, health: bool) -> str:
        m = self.move
        line = m.health_line if health and m.health_line else m.line
        if m.file == here or not self.path:
            return f"line {line}"
        return f"{self.path}:{line}"


@dataclass
class Pod:
    """A pod template of the run, and the moving server it runs (None: it keeps its ports)."""

    labels: dict
    namespace: str | None
    at: At | None
    where: str


@dataclass
class Svc:
    """A Kubernetes Service of the run: (port, name, target) of each entry and the servers it selects."""

    name: str
    namespace: str | None
    ports: list[tuple[str, str | None, str]]
    ats: list[At] = field(default_factory=list)
    why: str | None = None  #: why its target is ambiguous


@dataclass
class Links:
    """What the files of a run say about who reaches the servers whose health endpoints move."""

    moves: list[At]
    pods: list[Pod] = field(default_factory=list)
    services: list[Svc] = field(default_factory=list)
    #: names other containers reach a server by (compose service names, host names, aliases)
    hosts: dict[str, list[At]] = field(default_factory=dict)
    #: host port -> (server, the container port it publishes, the host port of the server's HTTP port)
    host_ports: dict[str, list[tuple[At, str, str | None]]] = field(default_factory=dict)
    #: host ports reached on any node's address (a Service's ``nodePort``, a container's ``hostPort``)
    node_ports: dict[str, list[At]] = field(default_factory=dict)
    #: images that run a server: built from its Dockerfile (a compose service's ``build`` and ``image``)
    images: dict[str, list[At]] = field(default_factory=dict)
    #: every image name a file of the run builds (``BuildSite.tags``), by repository: (tag or None, the Dockerfile
    #: built (real path), the server it runs or None, the file and line of the build)
    built: dict[str, list[tuple]] = field(default_factory=dict)
    #: containers that run an image of the same repository as one built from a moving server's Dockerfile,
    #: where which build runs is not known ((file, pod kind, pod name, container) -> (server, why))
    maybe: dict[tuple, tuple[At, str]] = field(default_factory=dict)
    #: (scope, kind, name) of an object written apart that holds a health check's path (``CheckSite``) ->
    #: (the server it checks, why that is ambiguous, the namespace of whoever named it)
    refs: dict[tuple, list[tuple[At, str | None, str | None]]] = field(default_factory=dict)
    #: the ``refs`` that another application's health check takes too (a Service of other pods, a probe)
    shared: set = field(default_factory=set)
    #: kustomize patch files (real path) -> the workloads they patch (``PatchFileSite``)
    patch_targets: dict[str, list] = field(default_factory=dict)
    #: what ``docker exec`` (("container", its name)) and ``docker compose exec`` (("compose", the service)) run in
    execs: dict[tuple, list[At]] = field(default_factory=dict)
    #: files a server's container holds and runs (real path) -> (the server, what runs the file there)
    inside: dict[str, list[tuple[At, str]]] = field(default_factory=dict)
    #: files (real path) that only containers known to run no server hold and run (a compose service of another
    #: image mounting ``./web-health.sh``): their ``localhost`` is that container's -> what runs the file there
    inside_others: dict[str, str] = field(default_factory=dict)
    #: scripts (real path) a file of the run runs with a URL among its arguments (``sh ci/wait.sh
    #: http://trtis:8000``, ``Topology.calls``) -> each call's arguments and where it is written ("file:line")
    called: dict[str, list[tuple[list, str]]] = field(default_factory=dict)
    #: the files whose compose services and containers set environment variables (``env``, read when asked)
    env_files: list = field(default_factory=list, repr=False, compare=False)
    _env: dict | None = field(default=None, repr=False, compare=False)
    _env_hosts: set | None = field(default=None, repr=False, compare=False)
    #: (folder, service) of a compose service that runs a moving server it does not hold the line of (the image
    #: built from the server's Dockerfile, one it ``extends``) -> that server: the same service of an override
    #: file of the project (``docker-compose.override.yml``: a healthcheck alone) is it too
    project_services: dict[tuple, At] = field(default_factory=dict)
    #: the rows of ``host_ports`` by their shape (see ``_add_host_ports``)
    rows_at: dict[tuple, list] = field(default_factory=dict, repr=False, compare=False)
    #: the moves and pods by what finds them (``index``): a file of many servers is not scanned per server
    _by: dict[str, dict] | None = field(default=None, repr=False, compare=False)
    _pods_by_label: tuple[int, dict] = field(default_factory=lambda: (0, {}), repr=False, compare=False)  #: (pods seen, index)
    _services_by_name: tuple[int, dict] = field(default_factory=lambda: (0, {}), repr=False, compare=False)

    @property
    def env(self) -> dict[str, list[tuple[str, str | None, str]]]:
        """Environment variables a compose service or a container of the run sets -> every plain value the run
        sets them to: (value, the setting pod's namespace or None for a compose service, "file:line"). Read
        when first asked (``_add_env``): most links (a chart's, per unit) never are."""
        if self._env is None:
            _add_env(self, self.env_files)
        return self._env  # type: ignore[return-value]

    @property
    def env_hosts(self) -> set:
        """The names of ``env`` set to the host (or URL) of a moving server (``INFERENCE_HOST: inference``)."""
        if self._env_hosts is None:
            _add_env(self, self.env_files)
        return self._env_hosts  # type: ignore[return-value]

    def index(self) -> dict[str, dict]:
        """The moves by workload container, compose service, file and service name, image built, and each
        label pair; the pods that keep their ports by each label pair. Each list in the moves' order."""
        if self._by is None:
            by: dict[str, dict] = {"workload": {}, "compose": {}, "extends": {}, "build": {}, "label": {}, "order": {}}
            for k, at in enumerate(self.moves):
                m = at.move
                by["order"][id(at)] = k
                if m.workload:
                    by["workload"].setdefault((*m.workload, m.container), []).append(at)
                if m.compose:
                    by["compose"].setdefault(m.compose, []).append(at)
                    by["extends"].setdefault((m.file, m.compose[1]), []).append(at)
                if m.build:
                    by["build"].setdefault(m.build, []).append(at)
                for kv in (m.labels or {}).items():
                    by["label"].setdefault(kv, []).append(at)
            self._by = by
        return self._by

    def pods_labelled(self, kv: tuple) -> list[Pod]:
        """The pods that keep their ports and carry the label ``kv`` (indexed as pods are added)."""
        seen, by = self._pods_by_label
        for p in self.pods[seen:]:  # the pods added since the last look
            if p.at is None:
                for item in p.labels.items():
                    by.setdefault(item, []).append(p)
        self._pods_by_label = (len(self.pods), by)
        return by.get(kv, [])

    def service(self, host: str, namespace: str | None) -> Svc | None:
        """The Service a host name reaches: ``name``, ``name.namespace``, ``name.namespace.svc[.cluster.local]``;
        or a pod of a Service that selects servers, by the name the Service gives it (``<pod>.<service>[.<ns>
        [.svc...]]``: a StatefulSet's ``<name>-<n>`` under its headless Service), as a Service of the server's
        own ports (a pod's address reaches its container ports, not the Service's)."""
        got = self._service(host, namespace)
        if got is not None or _written(host) or "." not in host:
            return got
        svc = self._service(host.split(".", 1)[1], namespace)
        if svc is None or not svc.ats:
            return None
        m = svc.ats[0].move
        own = [p for p in dict.fromkeys((m.http, m.health)) if p]
        return Svc(svc.name, svc.namespace, [(p, None, p) for p in own], list(svc.ats), svc.why)

    def _service(self, host: str, namespace: str | None) -> Svc | None:
        if _written(host):  # a name a chart's template writes: the Service written by the same actions
            name, ns = host, namespace
        else:
            parts = host.split(".")
            name = parts[0]
            ns = parts[1] if len(parts) > 1 else namespace
            if len(parts) > 2 and parts[2] != "svc":
                return None
        seen, by = self._services_by_name
        for svc in self.services[seen:]:  # the Services added since the last look
            by.setdefault(svc.name, []).append(svc)
        self._services_by_name = (len(self.services), by)
        got = [s for s in by.get(name, ()) if _ns_ok(s.namespace, ns)]
        return got[0] if len(got) == 1 else None


def build_links(moves: list[tuple[str, HealthMove]], files: list[tuple[str, object]],
                copied: dict[str, str] | None = None) -> Links:
    """``moves``: (reported path of its file, move) of every server of the run whose endpoints move;
    ``files``: (real path, topology) of the files that may reach them; ``copied``: the files that Dockerfiles of
    the run COPY into images that are no server's (``other_images``), real path -> what holds it."""
    links = Links([At(m, path) for path, m in moves])
    for at in links.moves:
        for h in at.move.hosts:
            links.hosts.setdefault(h, []).append(at)
        _add_container(links, at, at.move.containers, at.move.compose[1] if at.move.compose else "", at.move.inside)
        _add_host_ports(links, at, at.move.published)
        if at.move.container:  # a pod's: a hostPort, a Service's nodePort (``publish_node_ports``)
            _add_node_ports(links, at, at.move.published)
        for ref in at.move.refs:
            links.refs.setdefault(tuple(ref), []).append((at, None, at.move.namespace))
    #: the objects that hold the checks of containers that are no server of their own (``Topology.other_refs``),
    #: one count a container: those of a container that runs a server's built image are that server's
    others: Counter = Counter()
    for real, topo in files:
        for pf in getattr(topo, "patches", ()):
            links.patch_targets.setdefault(os.path.realpath(pf.path), []).append(pf)
        others.update(tuple(ref) for ref in getattr(topo, "other_refs", ()))
    _add_builds(links, files)
    for real, topo in files:
        for pod in topo.pods:  # type: ignore[attr-defined]
            # a server that does not move (V2 already, or not migrated) keeps its ports, as any other pod; a
            # patch of a moving server's workload in another file (kustomize) is that server's pod
            at = _first(links, (a for c in pod.containers
                                for a in links.index()["workload"].get((pod.kind, pod.name, c.name), ())
                                if _ns_ok(pod.namespace, a.move.namespace)
                                and (a.move.file == real if c.lines else a.move.file != real)))
            if at is None and links.built:
                at = _runs_built_image(links, real, pod, others)
            links.pods.append(Pod(dict(pod.labels), pod.namespace, at, f"{pod.kind} {pod.name}".strip()))
        for s in topo.compose:  # type: ignore[attr-defined]
            at = compose_link(s, links, real)
            if at is not None and s.build and s.image:
                links.images.setdefault(s.image, []).append(at)
            if at is not None and (s.build or s.extends or s.image):
                links.project_services.setdefault((s.folder, s.name), at)
    links.shared.update(ref for ref, n in others.items() if n > 0)
    _add_others_inside(links, files, copied or {})
    for real, topo in files:
        for script, args, line in getattr(topo, "calls", ()):
            if any(a is not None and _HOST_PORT.fullmatch(a.rstrip("/")) for a in args):
                links.called.setdefault(os.path.realpath(script), []).append((args, f"{_shown(real)}:{line}"))
    for real, topo in files:
        for s in topo.compose:  # type: ignore[attr-defined]
            at = compose_link(s, links, real)
            if at is None:
                continue
            for h in s.hosts:
                if at not in links.hosts.setdefault(h, []):
                    links.hosts[h].append(at)
            _add_host_ports(links, at, _published([pl for pl in s.lists if pl.where == "ports"]))
            runs = {"test": "its healthcheck", "command": "its command", "entrypoint": "its entrypoint"}
            held = held_run(at, [(r.text, f"COPY'd into its image and run by {runs[r.label]} (the service {s.name})")
                                 for r in s.regions if r.label in runs])
            _add_container(links, at, tuple(s.names), s.name, list(s.inside) + held)
        for d in topo.docker_runs:  # type: ignore[attr-defined]
            at = docker_link(d, links)
            if at is not None:
                _add_host_ports(links, at, _published([d.ports]))
                held = held_run(at, [(text, f"COPY'd into its image and {what} (docker run)") for text, what in d.commands])
                _add_container(links, at, (d.name,) if d.name else (), "", list(d.inside) + held)
        for svc in topo.services:  # type: ignore[attr-defined]
            s = Svc(svc.name, svc.namespace, [(p.port, p.name, p.target) for p in svc.ports])
            s.ats, s.why = service_targets(svc, links)
            links.services.append(s)
            for ref in svc.refs:  # a BackendConfig it names checks the pods it selects
                if s.ats:
                    links.refs.setdefault(tuple(ref), []).append((s.ats[0], s.why, svc.namespace))
                elif svc.selector:
                    links.shared.add(tuple(ref))
            if s.ats and not s.why:  # a NodePort (or LoadBalancer) Service: its node ports reach the server too
                nodes = [(p.entry.host, _port_number(p.target, s.ats[0].move)) for p in svc.ports if p.entry.host]
                nodes = [(h, n) for h, n in nodes if n]
                _add_host_ports(links, s.ats[0], tuple(nodes))
                _add_node_ports(links, s.ats[0], tuple(nodes))
    for _real, topo in files:  # once every Service is known
        for f in getattr(topo, "forwards", ()):
            _add_forward(links, f)
    _link_refs(links, [tuple(map(tuple, x)) for _real, topo in files for x in getattr(topo, "ref_links", ())])
    links.env_files = files
    return links


def run_by_images(moved: list[tuple[str, HealthMove]], builds: list) -> tuple[list[tuple[str, HealthMove]], set]:
    """``moved`` (the run's (path, move)) with each server that a script starts which an image of the run runs
    as its command (``BuildSite.runs`` of one Dockerfile of ``builds``, real paths: ``CMD ["./start.sh"]``)
    joined to that image, as the image's own server line is (``_identify``): the image built from that
    Dockerfile runs it, the files the image holds and runs are in its container, and its ports are the
    container's (not the machine's, as a script's own server's are). A script that several
    Dockerfiles run is left as it is. Also the ids of the builds that took a server."""
    by_file: dict[str, list] = {}
    for b in builds:
        for path, _what in b.runs:
            by_file.setdefault(_real(path), []).append(b)
    out: list[tuple[str, HealthMove]] = []
    used: set = set()
    for path, m in moved:
        got = by_file.get(m.file, [])
        if len(got) == 1 and may_be_run_by_image(m):
            b = got[0]
            # it listens in the image's container, not on the machine that runs the script (``_identify``)
            m = replace(m, build=b.dockerfile, inside=m.inside + tuple(b.inside),
                        holds=m.holds + tuple(tuple(h) for h in b.holds), published=())
            used.add(id(b))
        out.append((path, m))
    return out, used


def may_be_run_by_image(m: HealthMove) -> bool:
    """Whether the server ``m`` may be one a script starts as an image's command (``run_by_images``)."""
    return not (m.build or m.workload or m.compose or m.containers)


def held_run(at: At, commands: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The files the image of the server ``at`` holds (``HealthMove.holds``) that ``commands`` ((text, what runs
    it) of a container that runs that image: its probes, its health check) name: their ``localhost`` is the
    server's. None for a container that is only perhaps the server (``At.maybe``)."""
    from ..documents.sites import Mount, files_run

    if not at.move.holds or at.maybe or not commands:
        return []
    return files_run([Mount(*h) for h in at.move.holds], commands)


def _add_env(links: Links, files: list[tuple[str, object]]) -> None:
    """``links.env``: the variables a compose service or a Kubernetes container of the run sets to the host or URL
    of a moving server (a compose service's name, a Service selecting its pods, with or without its namespace),
    with every value the run gives them (another value too: which one a program reads is not certain). A compose
    service's ``env_file`` sets them too, and so does the ``data`` of a ConfigMap that a container of the run takes
    with ``envFrom`` or ``configMapKeyRef`` (its keys are taken for variables wherever they are used); of a ConfigMap
    that no container of the run names, only the values that name a moving server."""
    from .images import env_file_values

    every: dict[str, list[tuple[str, str | None, str]]] = {}
    env_files: dict[str, dict] = {}  # each dotenv file read once
    for real, topo in files:
        shown = _shown(real)
        for pod in topo.pods:  # type: ignore[attr-defined]
            for c in pod.containers:
                for name, value, line in getattr(c, "env", ()):
                    every.setdefault(name, []).append((value, pod.namespace, f"{shown}:{line}"))
        for s in topo.compose:  # type: ignore[attr-defined]
            for name, value, line in getattr(s, "env", ()):
                every.setdefault(name, []).append((value, None, f"{shown}:{line}"))
            for path in getattr(s, "env_files", ()):
                read = env_files.get(path)
                if read is None:
                    read = env_files[path] = env_file_values(path)
                for name, (value, line) in read.items():
                    if value and "$" not in value:
                        every.setdefault(name, []).append((value, None, f"{_shown(path)}:{line}"))
    taken = {n for _real, topo in files for pod in topo.pods for c in pod.containers  # type: ignore[attr-defined]
             for n in getattr(c, "env_configmaps", ())}
    for real, topo in files:  # what ``envFrom``/``configMapKeyRef`` take from a ConfigMap a container of the run names
        for cm, namespace, entries in getattr(topo, "configmaps", ()):
            for name, value, line in entries:
                # a ConfigMap no container of the run names (its pods may be written elsewhere) counts only for
                # the values that name a moving server: another value of a common key (``HOST: web``) says nothing
                if cm in taken or _env_servers(links, value, namespace):
                    every.setdefault(name, []).append((value, namespace, f"{_shown(real)}:{line}"))
    links._env = every
    links._env_hosts = {name for name, values in every.items()
                        if any(_env_servers(links, value, ns) for value, ns, _where in values)}


def _env_host(value: str) -> tuple[str, str | None] | None:
    """(host, port or None) of a variable's value: a host name, ``host:port`` or a URL base."""
    m = re.fullmatch(r"(?:(https?)://)?([A-Za-z0-9_][\w.-]*)(?::(\d{1,5}))?/?", value)
    if m is None:
        return None
    return m.group(2), m.group(3) or ({"http": "80", "https": "443"}.get(m.group(1) or ""))


def _env_servers(links: Links, value: str, namespace: str | None) -> list[At]:
    """The moving servers a variable's value names (by its host alone)."""
    hp = _env_host(value)
    if hp is None or hp[0] in LOCAL:
        return []
    host = hp[0]
    if namespace is not None:  # a container's: a Service of the cluster (its own namespace unless named)
        svc = links.service(host if "." in host else f"{host}.{namespace}", None)
        return list(svc.ats) if svc is not None else []
    if host in links.hosts:  # a compose service's name (or a container's)
        return list(links.hosts[host])
    svc = links.service(host, None)  # a container or ConfigMap of no namespace: a Service of the cluster
    return list(svc.ats) if svc is not None else []


def _add_others_inside(links: Links, files: list[tuple[str, object]], copied: dict[str, str]) -> None:
    """``links.inside_others``: ``others_inside`` of the files of the run and of the moving servers' own files,
    and the files that Dockerfiles of the run COPY into images of other applications (``copied``), unless a
    moving server's image is built from that Dockerfile."""
    got = others_inside(files)
    for at in links.moves:
        for path, what in at.move.elsewhere:
            got.setdefault(_real(path), what)
    servers = {_real(at.move.build) for at in links.moves if at.move.build}
    for path, (dockerfile, what) in copied.items():
        if dockerfile not in servers:
            got.setdefault(path, what)
    links.inside_others.update((p, w) for p, w in got.items() if p not in links.inside)


def other_images(dockerfiles: list[tuple[str, object]]) -> dict[str, tuple[str, str]]:
    """The files that the Dockerfiles of the run (real path, document) COPY by name into images that are no
    server's (``DockerfileDoc.other_files``: ``FROM python:3.11`` then ``COPY main.py .``): such a program runs
    in another application's container, whose ``localhost`` is its own, not the machine's where a server
    publishes its ports. Real path -> (the Dockerfile, what holds it); a file that several hold, the first."""
    out: dict[str, tuple[str, str]] = {}
    for real, doc in dockerfiles:
        for path in doc.other_files():  # type: ignore[attr-defined]
            out.setdefault(_real(path), (real, f"COPY'd into the image built from {_shown(real)}, no server's"))
    return out


def others_inside(files: list[tuple[str | None, object]]) -> dict[str, str]:
    """The files that compose services and ``docker run`` containers known to run no server (another image, no
    server line, no options for an image's entrypoint, no build) hold and run (``files_run``, ``files_mounted``),
    unless a container that may run a server holds them too: real path -> what runs it."""
    from .endpoints import may_run_triton

    other: dict[str, str] = {}
    server: set[str] = set()
    for _real_path, topo in files:
        for s in getattr(topo, "compose", ()):
            mine = not s.build and not s.options and not may_run_triton(s.image, s.lines)
            for path, what in s.inside:
                (other.setdefault(_real(path), what) if mine else server.add(_real(path)))
        for d in getattr(topo, "docker_runs", ()):
            mine = not d.options and not may_run_triton(d.image, d.lines)
            for path, what in getattr(d, "inside", ()):
                (other.setdefault(_real(path), what) if mine else server.add(_real(path)))
    return {p: w for p, w in other.items() if p not in server}


def _add_container(links: Links, at: At, names: tuple, service: str, inside) -> None:
    """The server's container as ``docker exec`` (its ``names``) and ``docker compose exec`` (its compose
    ``service``) reach it, and the files it holds and runs (``HealthMove.inside``): their ``localhost`` is its."""
    for key in [("container", n) for n in names] + ([("compose", service)] if service else []):
        if at not in links.execs.setdefault(key, []):
            links.execs[key].append(at)
    for path, what in inside:
        got = links.inside.setdefault(_real(path), [])
        if all(a is not at for a, _w in got):
            got.append((at, what))


def _link_refs(links: Links, pairs: list) -> None:
    """``Topology.ref_links``: what an object checks, the objects it sends its check to check too (an ECS
    service: the target group checks the task definition's container; a target group: its path variable),
    followed through as many links as they make."""
    todo = [p for p in pairs if p[0] in links.refs]
    seen: set = set()
    while todo:
        a, b = todo.pop()
        if (a, b) in seen:
            continue
        seen.add((a, b))
        new = [x for x in links.refs.get(a, ()) if x not in links.refs.get(b, ())]
        if new:
            links.refs.setdefault(b, []).extend(new)
            todo += [p for p in pairs if p[0] == b]
        if a in links.shared:
            links.shared.add(b)


def _add_forward(links: Links, f) -> None:
    """``kubectl port-forward``: a host port that reaches a moving server through a Service or its workload,
    as a published port does (``localhost:<host port>`` in a script reaches it)."""
    if f.kind == "node":  # a kind cluster's extraPortMappings: the host's port reaches a node's (a NodePort)
        for local, remote in f.ports:
            for at in links.node_ports.get(remote, []):
                _add_host_ports(links, at, tuple((local, c) for a, c, _h in links.host_ports.get(remote, []) if a is at))
        return
    if f.kind == "service":
        svc = links.service(f.name, f.namespace)
        if svc is None or not svc.ats or svc.why:
            return
        at = svc.ats[0]
        # the Service port (by number or name) -> its target
        targets = [(local, next((p[2] for p in svc.ports if remote in (p[0], p[1])), None)) for local, remote in f.ports]
    else:
        ats = _workload_moves(links, f.kind, f.name, f.namespace)
        if len(ats) != 1:
            return
        at = ats[0]
        targets = list(f.ports)
    numbers = [(local, _port_number(t, at.move) if t is not None else None) for local, t in targets]
    _add_host_ports(links, at, tuple((local, n) for local, n in numbers if n))


def _workload_moves(links: Links, kind: str, name: str, namespace: str | None) -> list[At]:
    """The moving servers of the workload ``kind``/``name`` (a ``kubectl`` target: its kind by its full name;
    "" any kind: a Tilt resource, named after its workload)."""
    return [a for a in links.moves if a.move.workload and a.move.workload[1] == name
            and kind in ("", a.move.workload[0].lower()) and _ns_ok(namespace, a.move.namespace)]


def _add_host_ports(links: Links, at: At, published: tuple) -> None:
    http_host = next((h for h, c in published if c == at.move.http), None)
    m = at.move
    for host, cport in published:
        # what a URL to the host port learns of a row is its ports and what moves: the first server of each
        # such shape stands for the others (a file of many servers on one port - a launcher's every
        # subprocess on 8000 - does not make every URL scan them all)
        shape = (host, cport, http_host, m.health, m.http, m.paths, m.current, at.maybe)
        if shape not in links.rows_at:
            links.rows_at[shape] = [(at, cport, http_host)]
            links.host_ports.setdefault(host, []).append((at, cport, http_host))


def publish_node_ports(moves: list[HealthMove], files: list[tuple[str, object]]) -> None:
    """Servers that move, published on every node by the ``nodePort`` of a Service of ``files`` (the server's
    own file; a Helm chart's templates, whose selectors compare as the actions only within the chart): added
    to each move's ``published``, so a script of the run that asks ``$NODE_IP:<nodePort>`` follows them
    wherever the Service is read."""
    if not moves or not any(p.entry.host for _real, topo in files for svc in topo.services  # type: ignore[attr-defined]
                            for p in svc.ports):
        return
    links = build_links([("", m) for m in moves], files)
    rows_of: dict[int, list[tuple[str, str]]] = {}  # each server's rows, in one pass over the rows
    for host, rows in links.host_ports.items():
        for a, cport, _h in rows:
            rows_of.setdefault(id(a), []).append((host, cport))
    for at in links.moves:
        have = set(at.move.published)
        at.move.published += tuple(x for x in dict.fromkeys(rows_of.get(id(at), ())) if x not in have)


def _add_node_ports(links: Links, at: At, published: tuple) -> None:
    for host, _cport in published:
        if at not in links.node_ports.setdefault(host, []):
            links.node_ports[host].append(at)


def _first(links: Links, ats) -> At | None:
    """The first of ``ats`` in the order of the run's moves (found through the index, not a scan)."""
    order = links.index()["order"]
    return min(ats, key=lambda a: order[id(a)], default=None)


def compose_link(s, links: Links, real: str) -> At | None:
    """The moving server a compose service of another file runs: the same service of the same project
    (an override file), one it ``extends``, or the image built from the server's Dockerfile (run as built, or
    given options alone when that Dockerfile's ENTRYPOINT is the server); another tag of that image or a
    digest: the server as ``At.maybe``."""
    by = links.index()
    found = [a for a in by["compose"].get((s.folder, s.name), ()) if a.move.file != real]
    if s.extends:
        found += by["extends"].get((_real(s.extends[0]), s.extends[1]), ())
    if s.build and not s.lines and (not s.command or s.options):
        context, dockerfile = s.build
        found += [a for a in by["build"].get(_real(os.path.join(context, dockerfile or "Dockerfile")), ())
                  if not s.command or a.move.entrypoint]
    at = _first(links, found)
    if at is not None:
        return at
    if s.image and not s.lines and (not s.command or s.options) and not s.build:
        return _image_server(links, s.image, s.command)
    if not (s.lines or s.build or s.image or s.extends or s.command):  # an override's healthcheck, ports ...
        return links.project_services.get((s.folder, s.name))
    return None


def docker_link(d, links: Links) -> At | None:
    """The moving server a ``docker run`` starts: the image built from its Dockerfile, run as built (or given
    options alone, when that Dockerfile's ENTRYPOINT is the server); another tag or a digest: ``At.maybe``."""
    if d.lines or d.command and not d.options:
        return None
    return _image_server(links, d.image, d.command)


def _image_server(links: Links, image: str, options: bool) -> At | None:
    """The moving server a container that runs ``image`` as built (``options``: giving its ENTRYPOINT options
    alone) is: certain, or as ``At.maybe`` when ``image_link`` is not certain."""
    got = links.images.get(image, [])
    if len({id(a) for a in got}) == 1:
        at, why = got[0], None
    else:
        at, why, _how = image_link(links, image)
    if at is None or options and not at.move.entrypoint:
        return None
    return at if why is None else At(at.move, at.path, maybe=f"it runs {image}: {why}")


# --- images built in the run from a server's Dockerfile, run elsewhere by their name ----------------

def split_image(image: str) -> tuple[str, str | None, bool]:
    """(repository, tag or None, pinned by a digest) of an image reference; Docker Hub's own names written
    in full (``docker.io/library/x``) are the short ones."""
    ref, at, _digest = image.strip().partition("@")
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    repo, tag = (ref[:colon], ref[colon + 1:]) if colon > slash else (ref, None)
    for prefix in ("docker.io/", "index.docker.io/", "registry-1.docker.io/"):
        if repo.startswith(prefix):
            repo = repo[len(prefix):]
            break
    if repo.startswith("library/") and repo.count("/") == 1:
        repo = repo[len("library/"):]
    return repo, tag or None, bool(at)


def _add_builds(links: Links, files: list[tuple[str, object]]) -> None:
    """``links.built`` and ``links.images``: the names the files of the run give the images they build
    (``BuildSite.tags``), with the moving server each image runs (built from that server's Dockerfile)."""
    by = links.index()["build"]
    for real, topo in files:
        for b in getattr(topo, "builds", ()):
            if not b.tags:
                continue
            dockerfile = _real(b.dockerfile)
            at = _first(links, (a for a in by.get(dockerfile, ()) if not a.via))
            for name in b.tags:
                repo, tag, _pinned = split_image(name)
                if not repo or "$" in repo or "{" in repo:
                    continue
                row = (tag, dockerfile, at, real, b.line)
                if row not in links.built.setdefault(repo, []):
                    links.built[repo].append(row)
                if at is not None and (tag is None or not _unknown(tag)):
                    got = links.images.setdefault(name, [])
                    if at not in got:
                        got.append(at)


def _unknown(tag: str) -> bool:
    """A tag known only when the build runs (``$VERSION``, ``${{ github.sha }}``, ``{{.Version}}``)."""
    return "$" in tag or "{" in tag


def image_link(links: Links, image: str) -> tuple[At | None, str | None, str]:
    """The moving server whose image ``image`` is (built in the run from its Dockerfile), why that is not
    certain (None: it is), and how the run builds it ("Makefile:2 builds it from docker/Dockerfile"). The
    repository must be the same; the tag too when both say one (a tag set when the build runs matches any):
    another tag of the repository, a digest, or a repository that Dockerfiles of other applications build
    too, is not certain."""
    repo, tag, pinned = split_image(image)
    rows = links.built.get(repo, [])
    if not rows or "$" in repo:
        return None, None, ""
    same = [r for r in rows if r[0] is None or tag is None or _unknown(r[0]) or _unknown(tag) or r[0] == tag]
    servers = list({id(r[2]): r[2] for r in same if r[2] is not None}.values())
    others = list(dict.fromkeys(r[1] for r in same if r[2] is None))
    row = next((r for r in same if r[2] is not None), None) or next((r for r in rows if r[2] is not None), None)
    if row is None:
        return None, None, ""  # built only from Dockerfiles that run no moving server
    at = row[2]
    how = f"built from {_shown(row[1])} by {_shown(row[3])}:{row[4]}"
    if pinned:
        return at, f"it is pinned by a digest, which may name an image built before the migration ({how})", how
    if not servers:
        tags = ", ".join(dict.fromkeys(f"{repo}:{r[0]}" for r in rows if r[2] is not None and r[0]))
        return at, f"the run builds {tags} ({how}), not this tag, which may name an image built before the " \
                   f"migration", how
    if len(servers) > 1 or others:
        other = _shown(others[0]) if others else servers[1].path
        return at, f"{repo} is built from more than one Dockerfile ({_shown(row[1])}, {other})", how
    return at, None, how


def built_servers(links: Links):
    """What the documents of a file read with the run's links take options alone given to an image for
    (``commands.built_servers``): the image name (or the Dockerfile a compose service builds) -> the V1 server
    that an image built from a migrated V1 server's Dockerfile runs, when that Dockerfile's ENTRYPOINT is the
    server binary and its CMD only options (``HealthMove.entrypoint``): the options of a container replace that
    CMD, so they are the server's own command line. Another tag of the repository, a digest, or a repository
    built from more than one Dockerfile (``image_link``) may be another image: ``BuiltServer.why``."""
    from ..documents.commands import BuiltServer

    def decide(image: str, dockerfile: str) -> BuiltServer | None:
        if dockerfile:
            at = _first(links, (a for a in links.index()["build"].get(_real(dockerfile), ()) if not a.via))
            why, how = None, f"built from {_shown(_real(dockerfile))}"
        else:
            at, why, how = image_link(links, image)
        m = at.move if at is not None else None
        if m is None or not m.entrypoint or not m.paths or m.current:
            return None
        return BuiltServer(m.entrypoint, _shown(m.file), how, why, "disable-auto-complete-config" in m.added)
    return decide


def _shown(real: str) -> str:
    """A file of the run as a finding names it (relative to where the tool runs, when inside it)."""
    rel = os.path.relpath(real) if real else ""
    return (real if rel.startswith("..") else rel).replace(os.sep, "/")


def _runs_built_image(links: Links, real: str, pod, others: Counter) -> At | None:
    """The server that a container of ``pod`` (in the file ``real``) is: one that runs, without a command of
    its own, an image built in the run from a moving server's Dockerfile. The server, as the container makes
    it (its pod's labels, workload and ports: what Services and routes that reach the pod follow), joins the
    run's moves, and the objects that hold its checks' paths (``ContainerSite.refs``: a Terraform variable its
    probe takes) are that server's (taken from ``others``, the checks of other applications); a container whose
    image is only perhaps that one (``image_link``) is kept in ``links.maybe``."""
    import dataclasses

    found = None
    for c in pod.containers:
        if c.lines or c.command or not c.image:
            continue
        at, why, how = image_link(links, c.image)
        for other in c.also:  # a Helm chart's other values files render other images: which one runs is not known
            other_at, other_why, other_how = image_link(links, other)
            if at is None and other_at is not None:
                at, why, how = other_at, f"its chart's values make it run {c.image}, and another values file {other}", other_how
            elif at is not None and why is None and (other_at is not at or other_why is not None):
                why = f"another values file of its chart makes it run {other}"
        if at is None:
            continue
        if why is not None:
            links.maybe[(real, pod.kind, pod.name, c.name)] = (at, why)
            continue
        if found is not None:
            continue  # one server a pod, as a server's own pod
        m = dataclasses.replace(at.move, labels=dict(pod.labels), namespace=pod.namespace, workload=(pod.kind, pod.name),
                                container=c.name, port_names=dict(c.ports), published=(), compose=(), hosts=(),
                                others=tuple(sorted({p for o in pod.containers if o is not c for kv in o.ports.items()
                                                     for p in kv})))
        found = At(m, at.path, via=f"{c.image}, {how}")
        links.moves.append(found)
        links._by = None
        # a file of the image that the container's probes or lifecycle hooks run (``exec: command``)
        _add_container(links, found, (), "", held_run(found, [
            (r.text, f"COPY'd into its image and run by the container {c.name} ({pod.kind} {pod.name})")
            for r in c.regions if r.label in ("command", "args")]))
        for ref in map(tuple, c.refs):
            links.refs.setdefault(ref, []).append((found, None, pod.namespace))
            others[ref] -= 1
    return found


def _ns_ok(a: str | None, b: str | None) -> bool:
    return a is None or b is None or a == b


def _selects(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def selected_by(selector: dict | None, namespace: str | None, links: Links,
                service: bool = False) -> tuple[list[At], str | None]:
    """The moving servers a label selector picks, and why the target is ambiguous (None: it is not).
    A Service without a selector selects nothing; a policy's empty selector selects every pod."""
    if selector is None or (service and not selector):
        return [], None
    # the candidates: those with the selector's first label (every move for an empty selector)
    first = next(iter(selector.items()), None)
    pool = links.moves if first is None else links.index()["label"].get(first, [])
    ats = [a for a in pool if a.move.labels and _ns_ok(namespace, a.move.namespace)
           and _selects(selector, a.move.labels)]
    if not ats:
        return [], None
    if not selector:
        return ats, "it applies to every pod of the namespace"
    others = [p for p in links.pods_labelled(first) if _ns_ok(namespace, p.namespace) and _selects(selector, p.labels)]
    if others:
        return ats, f"its selector also picks the pods of {others[0].where}, which keep their ports"
    if len({(a.move.health, a.move.http) for a in ats}) > 1:
        return ats, "its selector picks servers with different ports"
    return ats, None


def service_targets(svc, links: Links) -> tuple[list[At], str | None]:
    """The moving servers a Service (``ServiceSite``) selects: by its selector, or by a reference to the labels
    of a workload (``ServiceSite.selects``: Terraform's ``kubernetes_deployment.x...labels``)."""
    if svc.selects is not None and not svc.selector:
        return [at for at, _why, _ns in links.refs.get(svc.selects, ())], None
    return selected_by(svc.selector, svc.namespace, links, service=True)


def _written(value: str) -> bool:
    """A value a Helm template's action writes (``HelmTemplateDoc.value_of``): known once rendered."""
    return "{{" in value


def across_charts(m: HealthMove) -> HealthMove:
    """``m`` as a file outside its Helm chart can tell it: the labels and the workload name its chart's
    template actions write compare as the actions' text only within that chart (two charts may both
    ``include "app.selectorLabels"``), so they are left out."""
    labels = {k: v for k, v in m.labels.items() if not (_written(k) or _written(v) or not v)}
    workload = m.workload if m.workload and not _written(m.workload[1]) else ()
    if labels == m.labels and workload == m.workload:
        return m
    import dataclasses

    return dataclasses.replace(m, labels=labels, workload=workload)


def literal(topo):
    """A chart template's topology as a file outside its chart can tell it (``across_charts``): the
    Services and pod templates whose names, selectors or labels template actions write are left out."""
    import dataclasses

    def plain(d: dict) -> bool:
        return not any(_written(k) or _written(v) or not v for k, v in d.items())

    return dataclasses.replace(topo, pods=[p for p in topo.pods if not _written(p.name) and plain(p.labels)],
                               services=[s for s in topo.services if not _written(s.name) and plain(s.selector)])


def _port_number(target: str, m: HealthMove) -> str | None:
    """The container port ``target`` (a port number or a container port name of the server) stands for."""
    return target if target.isdigit() else m.port_names.get(target)


def _role(target: str, m: HealthMove) -> str | None:
    """What ``target`` (a port number or a container port name) is for the server: "health", "http"."""
    number = _port_number(target, m)
    if m.health and number == m.health:
        return "health"
    if number == m.http:
        return "http"
    return None


def _shared(target: str, m: HealthMove) -> str | None:
    """Why ``target`` may reach another container of the server's pod (None: it does not)."""
    return f"another container of the pod declares {target}" if target in m.others else None


def _http_name(m: HealthMove) -> str | None:
    names = [n for n, p in m.port_names.items() if p == m.http and not n.isdigit()]
    return names[0] if len(names) == 1 else None


#: how a finding names the kind of a ``CheckSite``
_CHECK_NAMES = {"var": "variable", "local": "local value", "aws_lb_target_group": "target group",
                "aws_alb_target_group": "target group", "BackendConfig": "BackendConfig"}


# --- search terms: which files of the run to read ---------------------------------------------------

@dataclass
class Terms:
    """Byte strings that decide, before any parsing, whether a file of the run may reach a moving server
    (``may_reach``): each is written in a file that does."""

    ports: set = field(default_factory=set)  #: the removed health ports and their names: enough alone
    names: set = field(default_factory=set)  #: names a server is reached by (with a V1 path)
    labels: set = field(default_factory=set)  #: its pod labels' values (with a Service)
    builds: set = field(default_factory=set)  #: its compose service names, its Dockerfile's folder (with build/extends)
    host_paths: set = field(default_factory=set)  #: ``:<host port>/api/`` of the host ports that publish it
    #: ``var.x``/``local.x`` its health checks take, ``aws_ecs_task_definition.x`` that runs it: every file that
    #: names one is read (another application's check may take it too, an ECS service names a target group)
    values: set = field(default_factory=set)
    #: the workload names of servers whose line got --disable-auto-complete-config (with --strict-model-config)
    strict: set = field(default_factory=set)
    #: the repositories of the images built from a server's Dockerfile: a file that names one may run it
    images: set = field(default_factory=set)
    #: a server's Dockerfile is the image of an App Engine flexible app of its folder (``app.yaml``)
    app_engine: bool = False
    #: the Terraform variables its health checks take: a configuration that calls their module passes them on
    variables: set = field(default_factory=set)
    #: the files its container holds and runs (real paths, ``HealthMove.inside``): read whatever they hold
    inside: set = field(default_factory=set)
    #: the folders of its Dockerfiles (real paths): a file in one, or below one, may build it from a context that
    #: does not name the folder (compose ``build: .``, ``context: ..``)
    build_dirs: set = field(default_factory=set)
    #: environment variables the run sets to a server's host (``Links.env``): a file that reads one may reach it
    env: set = field(default_factory=set)
    #: the names of the files that hold a server line: a Terraform file may run one as a VM's startup script
    #: (``templatefile(...)``, ``file(...)``)
    scripts: set = field(default_factory=set)
    _encoded: dict = field(default_factory=dict, repr=False, compare=False)

    def holds_file(self, path: str) -> bool:
        """Whether the file at ``path`` is one a server's container holds (``inside``): its real path asked only
        when its name is one of theirs (a real path for every file of the run cost more than the check)."""
        names = self._encoded.get("inside names")
        if names is None:
            names = self._encoded["inside names"] = {os.path.basename(x) for x in self.inside}
        return os.path.basename(path) in names and os.path.realpath(path) in self.inside

    def builds_beside(self, path: str) -> bool:
        """Whether the file at ``path`` is in the folder of a server's Dockerfile or below it (``build_dirs``)."""
        folder = os.path.dirname(os.path.realpath(path))
        return any(folder == d or folder.startswith(d.rstrip(os.sep) + os.sep) for d in self.build_dirs)

    def holds(self, data: bytes, name: str, least: int = 1) -> bool:
        """Whether ``data`` holds one of the terms of the set ``name`` at least ``least`` characters long (their
        bytes made once per set, not once per file)."""
        key = (name, least)
        words = self._encoded.get(key)
        if words is None:
            words = self._encoded[key] = [x.encode() for x in getattr(self, name) if len(x) >= least]
        return any(w in data for w in words)

    def sets_a_name(self, data: bytes) -> bool:
        """Whether ``data`` gives a value that is one of ``names`` (``INFERENCE_HOST: inference``, ``- name: X`` /
        ``value: triton-svc.ml``, ``TRITON_URL=http://inference:8000``): a variable set to a server's host. One
        expression of every name, made once."""
        rx = self._encoded.get("sets a name")
        if rx is None:
            names = sorted((re.escape(x.encode()) for x in self.names if len(x) >= 2), key=len, reverse=True)
            rx = self._encoded["sets a name"] = re.compile(
                rb"[:=][ \t]*[\"']?(?:https?://)?(?:" + b"|".join(names) + rb")(?![\w-])") if names else False
        return bool(rx) and rx.search(data) is not None

    def add(self, other: "Terms") -> None:
        for k in ("ports", "names", "labels", "builds", "host_paths", "values", "strict", "images", "variables",
                  "inside", "build_dirs", "env", "scripts"):
            getattr(self, k).update(getattr(other, k))
        self.app_engine = self.app_engine or other.app_engine


def _replaces_defaults(c, m: HealthMove) -> bool:
    """Whether a patch of the server's container writes anew the whole list (``command`` or ``args``) that the
    migration wrote V1's defaults in: the server then runs without them."""
    return bool(m.added_in) and any(seg.label == m.added_in for seg in c.argv)


#: the rules whose fix writes a V1 default on the line, by what it writes
_ADDED = {STRICT_DEFAULT.id: "disable-auto-complete-config", MODEL_CONTROL_DEFAULT.id: "model-control-mode"}
_STRICT_OPTION = re.compile(r"(?<![\w-])--strict-model-config(?:=\S*)?")


def search_terms(ms: list[HealthMove]) -> Terms:
    """What a file that reaches one of the servers ``ms`` must hold."""
    t = Terms()
    for m in ms:
        if m.health:
            t.ports.add(m.health)
            t.ports.update(n for n, p in m.port_names.items() if p == m.health and not n.isdigit())
        t.labels.update(v for v in m.labels.values() if v)
        t.names.update(t.labels)
        t.names.update(x for x in (m.workload[1] if m.workload else "", m.container or "") if x)
        t.names.update(m.hosts)
        t.names.update(m.containers)
        t.builds.update(m.hosts)
        t.inside.update(_real(path) for path, _what in m.inside)
        if m.build:
            t.builds.add(os.path.basename(os.path.dirname(m.build)))
            t.build_dirs.add(os.path.dirname(_real(m.build)))
        t.host_paths.update(f":{h}/api/" for h, _c in m.published)
        t.names.update(name for _scope, _kind, name in m.refs if name)
        t.app_engine = t.app_engine or any(kind == "app_engine" for _scope, kind, _name in m.refs)
        t.variables.update(name for _scope, kind, name in m.refs if kind == "var")
        t.values.update(f"{kind}.{name}" for _scope, kind, name in m.refs if kind in ("var", "local"))
        t.values.update(name.partition(":")[0] for _scope, kind, name in m.refs if kind == "ecs_container")
        if "disable-auto-complete-config" in m.added and m.workload:
            t.strict.add(m.workload[1])
        if m.paths and not m.workload and not m.compose:
            t.scripts.add(os.path.basename(m.file))
    return t


def link_terms(links: Links) -> Terms:
    """What the run's links add once the files found first are read: the Services that select a moving
    server (routes and URLs name them) and the host ports that linked services publish."""
    t = Terms()
    for s in links.services:
        if s.ats and s.name:
            t.names.add(s.name)
            if any(a.move.health for a in s.ats):
                t.ports.update(n for _p, n, target in s.ports if n and _role(target, s.ats[0].move) == "health")
    t.names.update(name for _scope, _kind, name in links.refs if name)
    t.names.update(name for _kind, name in links.execs)
    t.inside.update(links.inside)
    t.inside.update(links.called)  # (read whatever it holds: its URLs' hosts are its callers' arguments)
    t.env.update(links.env_hosts)
    t.variables.update(name for _scope, kind, name in links.refs if kind == "var")
    # the resource that holds a check, as its file declares it (``resource "aws_lb_target_group" "infer"``)
    t.values.update(f'"{kind}" "{name}"' for _scope, kind, name in links.refs
                    if kind not in ("var", "local", "ecs_container", "app_engine"))
    for repo, rows in links.built.items():
        if any(r[2] is not None for r in rows):
            t.images.add(repo)
            registry, _slash, path = repo.partition("/")
            if path and ("." in registry or ":" in registry or registry == "localhost"):
                t.images.add(path)  # a Helm chart's values may write the registry apart (``image.registry``)
    for host, rows in links.host_ports.items():
        t.host_paths.add(f":{host}/api/")
        t.ports.update(host for at, cport, _h in rows if at.move.health and cport == at.move.health)
    return t


def may_reach(data: bytes, t: Terms, path: str = "", env: bool = True) -> bool:
    """Whether ``data`` (of the file at ``path``) may hold something that reaches a server (a superset: the file
    is then read). ``env``: also when it may set a variable to a server's host (a Helm chart's files are not
    read for that: a chart that names a server in an ``env`` list is the rule in a tree of charts, and each
    would be processed again whole)."""
    if t.inside and path and t.holds_file(path):
        return True  # a server's container runs it
    if t.holds(data, "ports", 2):
        return True
    if t.strict and b"--strict-model-config" in data and t.holds(data, "strict", 2):
        return True  # a kustomize patch that gives the server an option its migrated line contradicts
    if (b"/containers/" in data or t.holds(data, "names", 2)) \
            and _PATCH_OPTIONS.search(data) is not None:
        return True  # a kustomize patch that gives a server V1's options or a model-control setting
    if b"/api" in data and (t.holds(data, "names", 2)
                            or t.holds(data, "host_paths") or t.holds(data, "env", 2)):
        return True  # a URL or a route (``path: /api``) that may reach a server
    if env and (b"env" in data or b"ConfigMap" in data) and t.holds(data, "names", 2) and t.sets_a_name(data):
        return True  # a compose service, a container or a ConfigMap whose environment may name a server's host
    if t.host_paths and _HEALTH_AFTER_VALUE.search(data) is not None:
        return True  # ``$HOST:$PORT/api/health/ready``: may reach a server published on the machine
    if t.scripts and b"file(" in data and b"health_check" in data and t.holds(data, "scripts"):
        return True  # a VM that runs a server's script as its startup script, and its load balancer's health checks
    if t.host_paths and b"/api/" in data and _PATH_AFTER_PORT.search(data) is not None:
        return True  # ``localhost:8000${READY_PATH}``, the path set apart (``READY_PATH=/api/health/ready``)
    if t.host_paths and b"/api/health/" in data and any(
            hp[:-len("/api/")].encode() + q in data for hp in t.host_paths for q in (b'"', b"'")):
        return True  # ``SERVER = "http://localhost:8000"`` then ``SERVER + "/api/health/ready"``
    if (b"Service" in data or b"kubernetes_service" in data) and t.holds(data, "labels", 2):
        return True
    if t.values and t.holds(data, "values"):
        return True
    if t.variables and b"module" in data and b"source" in data and t.holds(data, "variables"):
        return True  # a Terraform configuration that gives a module's variable its value (``health_path = var.x``)
    if t.app_engine and b"runtime" in data and b"flex" in data:
        return True  # an App Engine flexible app.yaml, whose image a server's Dockerfile of its folder may be
    if b"/api/" in data and b"/containers/" in data:
        return True  # a JSON 6902 patch into a container of a workload (its target is in a kustomization)
    if b"patch" in data and b"target" in data and t.holds(data, "names", 2):
        return True  # a kustomization that names the patch files of a server's workload
    if (b"portForward" in data and t.holds(data, "names", 2)) or b"extraPortMappings" in data:
        return True  # a development tool's forwards (Skaffold, a kind cluster): read for the host ports they open
    if t.images and t.holds(data, "images"):
        return True  # runs an image built from a server's Dockerfile
    if t.builds and b"build" in data and _NAMES_AN_IMAGE.search(data) is not None:
        return True  # may build a server's Dockerfile and name the image (``docker build -t``, ``tags``)
    if (b"build" in data or b"extends" in data) and t.holds(data, "builds", 2):
        return True
    # a compose service that builds a server's Dockerfile from a context that does not name its folder, and names
    # no image (``build: .``): its command is options alone for that server
    return bool(t.build_dirs) and b"build" in data and bool(path) and t.builds_beside(path) \
        and kinds.kind_by_name(path) == "compose"


#: options a kustomize patch may give a migrated server that the follow-through migrates or weighs there
_PATCH_OPTIONS = re.compile(rb"(?<![\w-])--(?:" + b"|".join(re.escape(o.encode()) for o in sorted(
    {*facts.V1_ONLY_OPTIONS, *T.MODEL_CONTROL_OPTIONS, "load-model"})) + rb")")
#: what a file that names the image it builds holds (``-t``, ``--tag``, ``tags:``, ``image:``)
_NAMES_AN_IMAGE = re.compile(rb"(?<![\w-])(?:-t|--tag)[\s=]|\btags\b|\bimage\s*[:=]")


def follows_itself(doc, ctx, ms: list[HealthMove]) -> bool:
    """Whether ``doc`` holds what reaches its own moving servers ``ms`` (then it is processed once more)."""
    if not ms:
        return False
    return may_follow(doc, build_links([("", m) for m in ms], [(_real(doc.path), ctx.topology())]), ctx.target)


def may_follow(doc, links: Links, target) -> bool:
    """Whether the follow-through would change or report anything in ``doc`` (read with the run's links):
    the files read only to learn what routes where (a Service on other ports) are not processed again."""
    from .context import Context

    ctx = Context(doc, target, links=links)
    return _gives_options(ctx.topology(), links) or any(True for _ in _Follow(doc, ctx, links).run())


def _gives_options(topo, links: Links) -> bool:
    """Whether a container, compose service or ``docker run`` of ``topo`` gives options alone to an image whose
    ENTRYPOINT is a migrated V1 server (``built_servers``): its document reads them as that server's line."""
    decide = built_servers(links)
    parts = [c for pod in topo.pods for c in pod.containers] + list(topo.compose) + list(topo.docker_runs)
    return any(p.options and decide(p.image, _build_dockerfile(p)) is not None for p in parts)


def _build_dockerfile(part) -> str:
    """The Dockerfile a compose service builds ("" for any other part)."""
    build = getattr(part, "build", None)
    return os.path.join(build[0], build[1] or "Dockerfile") if build else ""


# --- the check ------------------------------------------------------------------------------------

@check(order=45)
def check_follow_through(doc, ctx) -> Iterator[Finding]:
    """Only with the links of a first pass (``ctx.links``): which servers moved is known once the fixes are
    chosen (a suppressed change, a block kept beside its copy move nothing)."""
    links = ctx.links
    if links is None or not links.moves:
        return
    yield from _Follow(doc, ctx, links).run()


class _Follow:
    def __init__(self, doc, ctx, links: Links) -> None:
        self.doc, self.ctx, self.links = doc, ctx, links
        self.here = _real(doc.path)
        self.topo = ctx.topology()
        self.taken = TakenSpans(f.span for f in ctx.found if f.span is not None)
        self.self_regions: set[int] = set()
        self._written_moves: list[At] | None = None  #: see unmatched
        self._unlabelled: list[At] | None = None  #: see unmatched
        self._published_moves: list[At] | None = None  #: see run_time_url
        #: ``kubectl exec`` into a moving server's pod, ``docker exec``/``docker compose exec`` into its container:
        #: (start, end of the command it runs, the server, where the command runs)
        self.execs = [(ex.start, ex.end, self._exec_target(ex),
                       "container" if ex.kind in ("container", "compose", "build") else "pod")
                      for ex in getattr(self.topo, "execs", ())]
        #: the server whose container holds and runs this file (a script its Dockerfile COPYs and its HEALTHCHECK
        #: runs), and what runs it there: this file's ``localhost`` is that container's
        got = self.links.inside.get(self.here, [])
        self.runs_in = got[0] if len({(a.move.http, a.move.health, a.move.paths, a.move.current) for a, _w in got}) == 1 \
            else None
        #: what runs this file in a container of another application (``Links.inside_others``): its ``localhost``
        #: is that container's, no server's published port
        self.runs_elsewhere = self.links.inside_others.get(self.here) if not got else None
        #: the calls of the run that give this script its arguments (``Links.called``)
        self.called = self.links.called.get(self.here)

    def _exec_target(self, ex) -> At | None:
        if ex.kind in ("container", "compose"):
            ats = self.links.execs.get((ex.kind, ex.name), [])
        elif ex.kind == "build":  # a Dockerfile's HEALTHCHECK: the server its image runs
            ats = [a for a in self.links.index()["build"].get(ex.name, ()) if not a.via]
        elif ex.kind == "service":
            svc = self.links.service(ex.name, ex.namespace)
            ats = list(svc.ats) if svc is not None and not svc.why else []
        else:
            ats = _workload_moves(self.links, ex.kind, ex.name, ex.namespace)
        # every container of the pod shares its network: ``-c sidecar`` asks the same localhost
        return ats[0] if len({id(a) for a in ats}) == 1 else None

    def exec_at(self, offset: int) -> tuple[At | None, str] | None:
        """(the server whose pod or container runs it, or None; how a finding says where) when a ``kubectl exec``
        or ``docker exec`` command runs the text at ``offset`` (its ``localhost`` is that pod's or container's), or
        the whole file runs in a server's container (``runs_in``); None when neither."""
        got = next(((at, f"in the server's {where}") for start, end, at, where in self.execs if start <= offset < end),
                   None)
        if got is None and self.runs_in is not None:
            got = (self.runs_in[0], f"this file runs in the server's container, {self.runs_in[1]}")
        return got

    def free(self, span: Span) -> bool:
        """No earlier finding (of this check or another) covers ``span``."""
        return not self.taken.meets(span)

    def emit(self, f: Finding) -> Finding:
        if f.span is not None:
            self.taken.add(f.span)
            # a Helm template's value written from the chart's values: the change is the values file's
            src = getattr(self.doc, "resolved_from", None)
            edits = f.fix.edits if f.fix is not None else ()
            if src and len(edits) == 1 and edits[0].content and (edits[0].span.start, edits[0].span.end) in src:
                path, nodes = src[(edits[0].span.start, edits[0].span.end)]
                self.doc.values_follow.append((f, path, nodes, edits[0].content, f.message))
        return f

    def run(self) -> Iterator[Finding]:
        yield from self.pods()
        yield from self.services()
        yield from self.policies()
        yield from self.routes()
        yield from self.checks()
        yield from self.tf_vars()
        yield from self.compose()
        yield from self.docker_runs()
        yield from self.gets()
        yield from self.env_urls()
        yield from self.startups()
        yield from self.urls()

    def startups(self) -> Iterator[Finding]:
        """The Google Cloud health checks of a Terraform file whose VM runs a migrated server's file as its startup
        script (``templatefile("${path.module}/start.sh.tpl", {...})``): a V1 path there is the server's; a port that
        is not the server's HTTP port (nor a host port that publishes it) was its V1 health port, which the
        migration removed (the port the call gives the template is known there only: a warning with the HTTP
        port, or the fix when it is the removed port itself)."""
        files = getattr(self.doc, "startup_files", None)
        for real, given in files() if files is not None else ():
            at = next((a for a in self.links.moves if a.move.file == real and a.move.paths and not a.move.current
                       and not a.maybe), None)
            if at is None:
                continue
            m = at.move
            http_ports = {m.http} | {h for h, c in m.published if c == m.http}
            shown = os.path.basename(real)
            groups = getattr(self.doc, "target_group_checks", None)
            for name, pr, path_span, _start in self.doc.gcp_checks() + (groups() if groups is not None else []):
                what = f"the health check {name} of the VM that runs {shown}"
                if pr is not None and pr.traffic is not None:  # an AWS target group's
                    what = f"the health_check of target group {name}, of the VM that runs {shown}"
                    if pr.value == "traffic-port" and pr.traffic in http_ports:
                        pr = None  # (its requests go to the HTTP port: so do its checks)
                place = self._region_at(path_span.start + 1) if path_span is not None else None
                v1 = place is not None and place[0].text[place[1]:].startswith("/api/")
                if v1:
                    r, k = place  # type: ignore[misc]
                    yield from self.path(r, k, r.text[k:], at, what, None)
                if pr is None or pr.value in http_ports or not self.free(pr.span) or not (v1 or pr.value == m.health):
                    continue
                if m.health and pr.value == m.health:
                    new = "traffic-port" if pr.traffic is not None and pr.traffic in http_ports else m.http
                    quote = pr.quote or ('"' if new == "traffic-port" else "")
                    yield self.emit(HEALTH_PORT_ROUTE.finding(
                        pr.span, f"port {pr.value}: {what}; {self.follows(at)}; V2 serves health on the HTTP port "
                        f"{m.http}", I, Fix.of(f"Use port {new}", Edit(pr.span, f"{quote}{new}{quote}"))))
                    continue
                fed = [k for k, v in given.items() if v == pr.value]
                why = f" (the {fed[0]} the VM's template is given)" if fed else ""
                yield self.emit(HEALTH_PORT_ROUTE.finding(
                    pr.span, f"port {pr.value}{why}: {what}, which reaches {self.reaches(at)}; V2 serves health on the "
                    f"HTTP port {m.http} only (a V1 health port given with --http-health-port is removed): use the "
                    f"port that publishes it", W, suggestion=m.http))

    # --- messages ----------------------------------------------------------------------------
    def follows(self, at: At) -> str:
        m = at.move
        return f"follows the health port {m.health} removed at {at.where(self.here, True)}"

    def reaches(self, at: At) -> str:
        via = f" (it runs {at.via})" if at.via else ""
        if at.move.current:
            return f"the V2 server at {at.where(self.here, False)}{via}"
        return f"the V1 server migrated at {at.where(self.here, False)}{via}"

    def maybe_server(self, pod, c) -> Iterator[Finding]:
        """A container that runs an image of the repository built from a moving server's Dockerfile, when
        which build it runs is not known (``image_link``): its V1 paths are a warning with the V2 path."""
        got = self.links.maybe.get((self.here, pod.kind, pod.name, c.name))
        if got is None:
            return
        at, why = got
        what = f"container {c.name} ({pod.kind} {pod.name}), which runs {c.image},"
        for r in c.regions:
            if r.text.startswith("/api/") and at.move.paths and not r.report_only:
                yield from self.path(r, 0, r.text, At(at.move, at.path), what, why, "may be")

    # --- a container of the server written in another file (a kustomize patch) -----------------
    def strict_elsewhere(self, r: Region, at: At, what: str) -> Iterator[Finding]:
        """``--strict-model-config`` given to a server whose line the migration gave
        ``--disable-auto-complete-config`` (V1's default written out): V2 ignores the first beside the
        second, in either order (tests/test_e2e_server.py), so a patch that opts in to auto-complete no
        longer does."""
        if "disable-auto-complete-config" not in at.move.added or r.report_only:
            return
        for m in _STRICT_OPTION.finditer(r.text):
            span = r.span(m.start(), m.end())
            if not self.free(span):
                continue
            yield self.emit(STRICT_DEFAULT.finding(
                span, f"{m.group(0)}: {what} gives it to {self.reaches(at)}, whose line now holds "
                f"--disable-auto-complete-config (V1's default, written out): V2 ignores --strict-model-config "
                f"beside it, in either order - remove --disable-auto-complete-config there if this opts in to "
                f"auto-complete", Severity.WARNING, suggestion="--disable-auto-complete-config removed from the "
                f"server line at {at.where(self.here, False)}"))

    def patch_options(self, c, at: At, what: str, replaced: bool) -> Iterator[Finding]:
        """Options a kustomize patch gives the container of a migrated V1 server (the lists it writes into its
        ``command``/``args``, ``ContainerSite.argv``): migrated where they are written, by the transformer of the
        server's own line (``appended``: the V1 defaults are that line's) - or, when the patch ``replaced`` the
        list the migration wrote those defaults in, as the rest of that line, defaults included. An edit the
        patch cannot take (a removal that would leave an empty list or value, a word that must be requoted) is
        a warning with the change to make. A model-control setting other than the ``--model-control-mode=poll``
        the migration wrote on the server's line is a warning: V2 takes the last mode it is given (2.51.0), so
        which one runs depends on where kustomize puts the patch's words."""
        m = at.move
        if not c.argv or not m.paths or m.current or any(r.report_only for r in c.regions):
            return
        cl = CommandLine(self.doc.text, list(c.argv), None, True, label="patch", extra={"mode": m.mode},
                         appended=not replaced)
        try:
            res = transform(cl, self.ctx.target)
            opts = parse_options(cl)[0]
        except (ProcessingError, ValueError):
            return
        why = f"{what} gives it to {self.reaches(at)}"
        if replaced:
            why = (f"{what} replaces its {m.added_in}, the list that holds V1's defaults written out for "
                   f"{self.reaches(at)}: they go here too")
        yield from self.patch_binary(c, why)
        words = [(w, k) for k, seg in enumerate(cl.segments) for w in seg.words]
        bare = {(w.start, w.end) for w, _k in words}

        def removes(f: Finding) -> list[tuple]:
            edits = f.fix.edits if f.fix is not None else ()
            return [(w, k) for w, k in words for e in edits if not e.content and e.span.start <= w.start and w.end <= e.span.end]

        def safe(f: Finding) -> bool:  # not a word alone removed from where it is the whole value
            return f.fix is not None and all(e.content or (e.span.start, e.span.end) not in bare for e in f.fix.edits)

        # V1 read --allow-poll-model-repository/--allow-model-control only when no --model-control-mode was given,
        # and the one against the other: beside a server line that set its mode itself (no default written
        # there), what the patch's alone would mean is not what V1 did
        own_mode = not replaced and "model-control-mode" not in m.added
        gone = [id(w) for f in res.findings if safe(f) for w, _k in removes(f)]
        emptied = {k for k, seg in enumerate(cl.segments) if all(id(w) in gone for w in seg.words)}
        for f in res.findings:
            if f.fix is not None and own_mode and f.rule in (ALLOW_POLL.id, ALLOW_MODEL_CONTROL.id):
                f = replace(f, message=f"{f.message} - not made here: the server's own line sets its model control, "
                            f"and V1 read this option together with it (beside a --model-control-mode it ignored it): "
                            f"write the mode V1 ran in, or remove it", severity=max(f.severity, W, key=lambda x: x.rank), fix=None)
            elif f.fix is not None and (not safe(f) or any(k in emptied for _w, k in removes(f))):
                f = replace(f, message=f"{f.message} - not made here: this patch cannot take the change as it is "
                            f"written, make it by hand", severity=max(f.severity, W, key=lambda x: x.rank), fix=None,
                            suggestion=f.suggestion or f.fix.title)
            yield self.emit(replace(f, message=f"{f.message} ({why})"))
        settings = [o for o in opts if o.name in T.MODEL_CONTROL_OPTIONS]
        if settings and "model-control-mode" in m.added and res.mode != "poll" and not replaced:
            o = settings[-1]
            yield self.emit(MODEL_CONTROL_DEFAULT.finding(
                o.span, f"{o.word.value}: {why}, whose line now holds --model-control-mode=poll (V1's polling default, "
                f"written out): V2 takes the last --model-control-mode it is given (2.51.0), so the server runs "
                f"{'mode ' + res.mode if res.mode else 'the mode set here'} only if this patch's words come after that "
                f"one in the built command (as an append to its list does) - remove --model-control-mode=poll there "
                f"when every overlay sets a mode of its own", W,
                suggestion=f"--model-control-mode=poll removed from the server line at {at.where(self.here, False)}"))

    def patch_binary(self, c, why: str) -> Iterator[Finding]:
        """The V1 binary a kustomize patch's lists run (``value: ["trtserver", "--model-store=/models"]`` replacing the
        ``args`` of the migrated server): renamed with the options (TDM202), or the V2 image finds no trtserver."""
        from ..documents import commands as C
        from ..documents.sites import CommandSite
        from .paths import check_binary

        words = [w for seg in c.argv for w in seg.words]
        server = C.server_word(words)
        if server is None or not C.is_v1_binary(server.value):
            return
        seg = next(seg for seg in c.argv if any(w is server for w in seg.words))
        site = CommandSite(seg.words, seg, True, self.doc.text)
        for f in check_binary(site, next(k for k, w in enumerate(seg.words) if w is server)):
            if self.free(f.span):
                yield self.emit(replace(f, message=f"{f.message} ({why})"))

    def pods(self) -> Iterator[Finding]:
        for pod in self.topo.pods:
            for c in pod.containers:
                if c.lines:
                    continue  # its own server: the per-file rules
                at = next((a for a in self.links.index()["workload"].get((pod.kind, pod.name, c.name), ())
                           if a.move.file != self.here and _ns_ok(pod.namespace, a.move.namespace)), None)
                # a patch file a kustomization names with its target: the target's workloads, whatever the
                # patch's own name says
                targets = [a for pf in self.links.patch_targets.get(self.here, ()) for a in self._patched(pf)]
                if pod.selector is not None:  # a patch inline in a kustomization, its target picked by labels
                    targets += self._patched(PatchFileSite("", pod.kind or None, pod.name or None, pod.namespace,
                                                           pod.selector))
                if at is None and c.name:
                    at = next((a for a in targets if a.move.container == c.name), None)
                if not c.name:  # a JSON 6902 patch: the workload's container by position, its only server's
                    ats = targets if not pod.name or pod.selector is not None else [
                        a for a in self.links.moves if a.move.workload == (pod.kind, pod.name)
                        and a.move.file != self.here and _ns_ok(pod.namespace, a.move.namespace)]
                    at = ats[0] if len({(a.move.workload, a.move.container) for a in ats}) == 1 else None
                if at is None:
                    yield from self.maybe_server(pod, c)
                    continue
                kind, name = at.move.workload
                replaced = _replaces_defaults(c, at.move)
                for r in c.regions:
                    yield from self.self_urls(r, at, f"container {c.name or at.move.container} ({kind} {name})", "is")
                    if not replaced:
                        yield from self.strict_elsewhere(r, at, f"this patch of the container "
                                                         f"{c.name or at.move.container} ({kind} {name})")
                yield from self.patch_options(c, at, f"this patch of the container {c.name or at.move.container} "
                                                     f"({kind} {name})", replaced)
                m = at.move
                health, http, follows = m.health, m.http, self.follows(at) if m.health else ""
                own = self._patch_health(c)  # the patch gives the server a V1 health port of its own (the last wins)
                if own is not None:
                    health, http, line = own[0], own[1] or m.http, own[2]
                    follows = f"follows the health port {health} removed from this patch at line {line}"
                if not health:
                    continue
                names = {**m.port_names, **c.ports}
                for pr in c.probes:
                    number = pr.value if pr.value.isdigit() else names.get(pr.value)
                    if number != health or not self.free(pr.span):
                        continue
                    http_name = _http_name(m)
                    new = http_name if not pr.value.isdigit() and http_name else http
                    raw = f"{pr.quote}{new}{pr.quote}" if pr.quote and not new.isdigit() else new
                    yield self.emit(HEALTH_PORT_ROUTE.finding(
                        pr.span, f"{pr.probe} port {pr.value}: {follows}; V2 serves health on the HTTP "
                        f"port {http}", I, Fix.of(f"Probe port {new}", Edit(pr.span, raw))))
                if c.port_list is not None:
                    hits = [e for e in c.port_list.entries if e.port == health or names.get(e.port or "") == health]
                    for e in hits:
                        if not self.free(e.span):
                            continue
                        msg = f"container port {health}: {follows}; V2 serves health on the HTTP port {http}"
                        if len(hits) < len(c.port_list.entries):
                            yield self.emit(HEALTH_PORT_ROUTE.finding(e.span, msg + "; removed from the container's ports",
                                                                      fix=Fix.of(f"Remove port {m.health}", *e.remove())))
                        else:
                            yield self.emit(HEALTH_PORT_ROUTE.finding(e.span, msg + ": list the HTTP port instead",
                                                                      suggestion=f"containerPort: {m.http}"))

    def _patch_health(self, c) -> tuple[str, str | None, int] | None:
        """The V1 health port a kustomize patch's own ``command``/``args`` give the server's container (which the
        migration removes there: ``patch_options``), its ``--http-port`` if it gives one, and the option's line."""
        if not c.argv or any(r.report_only for r in c.regions):
            return None
        cl = CommandLine(self.doc.text, list(c.argv), None, True, label="patch")
        try:
            res = transform(cl, self.ctx.target, getattr(self.doc, "held", None))
            opts = parse_options(cl)[0]
        except (ProcessingError, ValueError):
            return None
        opt = next((f for f in res.findings if f.rule == _HEALTH_OPTION and f.span is not None), None)
        if not res.health_port or opt is None or opt.span is None:
            return None
        http = res.http_port if any(o.name == "http-port" for o in opts) else None
        return res.health_port, http, self.doc.position(opt.span.start)[0]

    def _patched(self, pf) -> list[At]:
        """The moving servers of the workloads a kustomize patch file's target picks (``PatchFileSite``)."""
        return [a for a in self.links.moves if a.move.workload and a.move.file != self.here
                and (pf.name is None or a.move.workload[1] == pf.name) and pf.kind in (None, a.move.workload[0])
                and (pf.labels is None or _selects(pf.labels, a.move.labels)) and _ns_ok(pf.namespace, a.move.namespace)]

    # --- Services ----------------------------------------------------------------------------
    def services(self) -> Iterator[Finding]:
        for svc in self.topo.services:
            ats, why = service_targets(svc, self.links)
            ats = [a for a in ats if a.move.health]
            if not ats:
                yield from self.unmatched(svc.selector, [(p.entry.span, p.target) for p in svc.ports],
                                          f"the Service {svc.name}", "targetPort")
                continue
            at = ats[0]
            m = at.move
            http = [p for p in svc.ports if _role(p.target, m) == "http"]
            for p in svc.ports:
                if _written(p.target) and self.free(p.entry.span):
                    yield self.emit(HEALTH_PORT_ROUTE.finding(
                        p.entry.span, f"port {p.port} of the Service {svc.name} reaches targetPort {p.target}, which "
                        f"a template action computes: if it is the health port {m.health} ({self.follows(at)}), V2 "
                        f"serves health on the HTTP port {m.http}: remove this port or target the HTTP port",
                        suggestion=f"targetPort: {m.http}"))
                    continue
                if _role(p.target, m) != "health" or not self.free(p.entry.span):
                    continue
                what = f"port {p.port} of the Service {svc.name}" + (f" (targetPort {p.target})" if p.target != p.port else "")
                msg = f"{what}: {self.follows(at)}; V2 serves health on the HTTP port {m.http}"
                reason = why or _shared(p.target, m)
                if reason:
                    yield self.emit(HEALTH_PORT_ROUTE.finding(
                        p.entry.span, f"{msg}, but {reason}: check which container this port reaches",
                        suggestion=f"targetPort: {m.http}"))
                elif http:
                    yield self.emit(HEALTH_PORT_ROUTE.finding(
                        p.entry.span, f"{msg}, which port {http[0].port} of the Service reaches: entry removed",
                        fix=Fix.of(f"Remove Service port {p.port}", *p.entry.remove())))
                else:
                    yield self.emit(HEALTH_PORT_ROUTE.finding(
                        p.entry.span, f"{msg}: the Service has no port to it; routing this port there exposes V2's "
                        f"whole HTTP API (inference included) through it", suggestion=f"targetPort: {m.http}"))

    def unmatched(self, selector: dict | None, ports: list[tuple[Span, str]], what: str, key: str) -> Iterator[Finding]:
        """A selector of a chart's template written by actions that are not the server's pod labels' own
        (another helper, values): whether it picks the server's pods is known only once rendered. A port
        there that is a moving server's health port (by number, or by a name the server gives it) is
        reported, never edited."""
        if not selector:
            return
        if self._written_moves is None:  # the moving servers whose pod labels are template actions (once)
            self._written_moves = [a for a in self.links.moves if a.move.health and a.move.labels and any(
                _written(k) or _written(v) for k, v in a.move.labels.items())]
        if self._unlabelled is None:  # the moving servers of this file's chart whose pods have no labels (once)
            from ..charts import top_of

            top = top_of(self.here) if self.doc.kind == "helm-template" else None
            self._unlabelled = [a for a in self.links.moves if a.move.health and not a.move.labels and top is not None
                                and a.move.file.startswith(os.path.realpath(top) + os.sep)]
        written = any(_written(k) or _written(v) for k, v in selector.items())
        if not written and not self._written_moves and not self._unlabelled:
            return
        candidates = [a for a in self.links.moves if a.move.health and a.move.labels] if written else \
            self._written_moves + self._unlabelled
        for span, target in ports:
            at = next((a for a in candidates if _role(target, a.move) == "health"), None)
            if at is None or not self.free(span):
                continue
            m = at.move
            whose = "this selector is written by template actions that are not that server's pod labels, so whether " \
                "it picks that server is known only once the chart is rendered" if written else \
                "that server's pod template gives its pods no labels, so as the chart is written this selector picks " \
                "none of them (a post-renderer or the cluster may label them)" if not m.labels else \
                "that server's pod labels are written by template actions, so whether it picks that server is known " \
                "only once the chart is rendered"
            yield self.emit(HEALTH_PORT_ROUTE.finding(
                span, f"{key} {target} of {what}: the health port {m.health} was removed at {at.where(self.here, True)}, "
                f"and {whose}: if it picks that server, V2 serves health on the HTTP port {m.http}", suggestion=f"{key}: {m.http}"))

    # --- NetworkPolicies ---------------------------------------------------------------------------
    def policies(self) -> Iterator[Finding]:
        for pol in self.topo.policies:
            for rule_ in pol.rules:
                ats, why = selected_by(rule_.pods, pol.namespace, self.links)
                ats = [a for a in ats if a.move.health]
                if not ats:
                    yield from self.unmatched(rule_.pods, [(e.span, v.value) for e, v in zip(rule_.entries, rule_.values)
                                                           if v is not None],
                                              f"NetworkPolicy {pol.name} ({rule_.direction})", "port")
                    continue
                at = ats[0]
                m = at.move
                allows_http = any(v is None or _role(v.value, m) == "http" for v in rule_.values)
                for e, v in zip(rule_.entries, rule_.values):
                    if v is None or _role(v.value, m) != "health" or not self.free(e.span):
                        continue
                    msg = (f"NetworkPolicy {pol.name} allows port {v.value} ({rule_.direction}): {self.follows(at)}; "
                           f"V2 serves health on the HTTP port {m.http}")
                    reason = why or _shared(v.value, m)
                    if reason:
                        yield self.emit(HEALTH_PORT_ROUTE.finding(
                            e.span, f"{msg}, but {reason}: check what this entry allows", suggestion=f"port: {m.http}"))
                    elif allows_http:
                        yield self.emit(HEALTH_PORT_ROUTE.finding(
                            e.span, f"{msg}, which the rule allows already: entry removed", I,
                            Fix.of(f"Remove port {v.value}", *e.remove())))
                    else:
                        yield self.emit(HEALTH_PORT_ROUTE.finding(
                            e.span, f"{msg}: the rule does not allow it; allowing it opens V2's whole HTTP API "
                            f"(inference included) to these peers, not only health", suggestion=f"port: {m.http}"))

    # --- routes --------------------------------------------------------------------------------
    def routes(self) -> Iterator[Finding]:
        for rt in self.topo.routes:
            svc = self.links.service(rt.service, rt.namespace)
            if svc is None or not svc.ats:
                continue
            at, why = svc.ats[0], svc.why
            m = at.move
            what = f"this {rt.kind}'s backend {rt.service}"
            if rt.port is not None and m.health and _written(rt.port.value) and self.free(rt.port.span) and \
                    any(_role(p[2], m) == "health" or _written(p[2]) for p in svc.ports):
                yield self.emit(HEALTH_PORT_ROUTE.finding(
                    rt.port.span, f"{what} port {rt.port.value}, which a template action computes: if it is the "
                    f"Service's port to the health port {m.health} ({self.follows(at)}), V2 serves health on the HTTP "
                    f"port {m.http}: route to the Service's port to the HTTP port"))
            elif rt.port is not None and m.health:
                entry = next((p for p in svc.ports if (p[1] == rt.port.value if rt.by_name else p[0] == rt.port.value)), None)
                if entry is not None and _role(entry[2], m) == "health" and self.free(rt.port.span):
                    http = next((p for p in svc.ports if _role(p[2], m) == "http"), None)
                    port_why = why or _shared(entry[2], m)
                    msg = f"{what} port {rt.port.value}: {self.follows(at)}; V2 serves health on the HTTP port {m.http}"
                    if port_why:
                        yield self.emit(HEALTH_PORT_ROUTE.finding(rt.port.span, f"{msg}, but for the Service {svc.name} "
                                                                  f"{port_why}: check where this route goes"))
                    elif http is None:
                        yield self.emit(HEALTH_PORT_ROUTE.finding(rt.port.span, f"{msg}: the Service {svc.name} has no "
                                                                  f"port to it"))
                    else:
                        new = http[1] if rt.by_name and http[1] else http[0]
                        yield self.emit(HEALTH_PORT_ROUTE.finding(
                            rt.port.span, f"{msg}, which port {new} of the Service {svc.name} reaches", I,
                            Fix.of(f"Route to port {new}", self._replace(rt.port, new))))
            if any(a.move.paths for a in svc.ats):
                for r in rt.paths:
                    if r.label == "rewrite" and _rewrites_to_v1(r.text):
                        yield from self.rewrite(r, at, rt, why)
                        continue
                    if _V1_PREFIX.fullmatch(r.text):
                        yield from self.prefix(r, at, rt, why)
                        continue
                    yield from self.path(r, 0, r.text, at, f"this {rt.kind}", why)

    def prefix(self, r: Region, at: At, rt, why: str | None) -> Iterator[Finding]:
        """A route of V1's API prefix alone (an Ingress path ``/api``, an HTTPRoute or Istio ``prefix: /api/``) to a
        server this run moves: V2 serves nothing under it, and nothing of V2's ``/v2/...`` is routed (a warning: the
        clients that call through the route change their paths too)."""
        from .endpoints import _ROWS

        span = r.span(0, len(r.text))
        if not self.free(span):
            return
        rule_ = next(rl for rl, _u, _rx in _ROWS if rl.id == "TDM403")
        yield self.emit(rule_.finding(
            span, f"this {rt.kind} routes {r.text}, V1's API, to {rt.service}, which reaches {self.reaches(at)}"
            + (f" ({why})" if why else "") + ": V2 serves none of it and this route sends none of V2's /v2/... "
            "(/v2/health/ready, /v2/models/<model>/infer) there: route /v2 to it, together with the clients that "
            "call through it", suggestion=r.text.replace("/api", "/v2", 1)))

    def rewrite(self, r: Region, at: At, rt, why: str | None) -> Iterator[Finding]:
        """An Ingress that rewrites every request to V1's ``/api/`` prefix (``rewrite-target: /api/$2``) in front of
        a server this run moves: V2 serves none of it (a warning: the request bodies change too)."""
        from .endpoints import _ROWS

        span = r.span(0, len(r.text))
        if not self.free(span):
            return
        rule_ = next(rl for rl, _u, _rx in _ROWS if rl.id == "TDM403")
        yield self.emit(rule_.finding(span, f"this {rt.kind} rewrites every request to {r.text}, V1's API, and its backend "
                                      f"{rt.service} reaches {self.reaches(at)}" + (f" ({why})" if why else "") +
                                      ": V2 serves /v2/... (/v2/models/<model>/infer, /v2/health/ready) with "
                                      "another request body: route to those paths", suggestion="/v2/$2"))

    def checks(self) -> Iterator[Finding]:
        """Objects written apart that hold a server's health check path, found by their names: a Terraform
        variable's default (``path = var.health_path`` in a probe or a target group of the server, the
        variable in ``variables.tf``), a target group an ECS service of the server's file names, a GKE
        ``BackendConfig`` a Service of the server names."""
        for cs in self.topo.checks:
            got = [(at, why) for at, why, ns in self.links.refs.get((cs.scope, cs.kind, cs.name), ())
                   if at.move.paths and _ns_ok(ns, cs.namespace)]
            if not got:
                continue
            at, why = got[0]
            if len({id(a) for a, _w in got}) > 1 and len({a.move.current for a, _w in got}) > 1:
                why = why or "it checks several servers"
            if (cs.scope, cs.kind, cs.name) in self.links.shared:
                why = why or "another application's health check takes it too"
            what = f"the {_CHECK_NAMES.get(cs.kind, cs.kind)} {cs.name}"
            if cs.route:
                yield from self.check_routes(cs, at, f"{cs.route}, which forwards to {what},", why)
                continue
            for r in cs.paths:
                if cs.kind == "app_engine":  # the app's image is built from the Dockerfile of its folder
                    what = f"this App Engine app's {r.label} (its image is built from the Dockerfile of its folder)"
                elif cs.kind == "var" and r.label.startswith("module "):  # a caller's value of the module's variable
                    what = f"the argument {cs.name} of {r.label}"
                yield from self.path(r, 0, r.text, at, what, why, "checks")

    def check_routes(self, cs, at: At, what: str, why: str | None) -> Iterator[Finding]:
        """The request paths a route sends to an object that checks a server (``CheckSite.route``: an ALB listener
        rule's path patterns, to a target group): routes to that server, as an Ingress's paths to its Service."""
        for r in cs.paths:
            yield from self.path(r, 0, r.text, at, what, why)

    def tf_vars(self) -> Iterator[Finding]:
        """A value given to a Terraform variable from outside its configuration (``TF_VAR_x=...`` in a script's or
        a CI job's environment, ``terraform apply -var 'x=...'``) whose name is a variable a server's health check
        takes (``links.refs``, through the modules that pass it on): which configuration's variable it sets is known
        only where terraform runs, so it is a warning with the V2 path, never an edit."""
        named: dict[str, list[tuple[At, bool]]] = {}
        for (_scope, kind, name), got in self.links.refs.items():
            if kind == "var":
                named.setdefault(name, []).extend((a, (_scope, kind, name) in self.links.shared) for a, _w, _ns in got
                                                  if a.move.paths)
        if not named:
            return
        for r in self.doc.regions():
            found = []
            if r.label.startswith("TF_VAR_") and r.text.startswith("/api/"):  # a YAML environment's value
                found.append((r.label[len("TF_VAR_"):], "TF_VAR_", 0, r.text))
            if "/api/" in r.text and ("TF_VAR_" in r.text or "-var" in r.text):
                found += [(m.group("env") or m.group("opt"), "TF_VAR_" if m.group("env") else "-var ", m.start("path"),
                           m.group("path")) for m in _TF_VAR.finditer(r.text)]
            for name, how, start, path in found:
                got = named.get(name)
                if not got:
                    continue
                at, shared = got[0]
                how = f"TF_VAR_{name}" if how == "TF_VAR_" else f"-var {name}=..."
                why = "which configuration's variable it sets is known only where terraform runs" + \
                    ("; another application's health check takes that variable too" if shared else "")
                yield from self.path(r, start, path, at, f"the Terraform variable {name} given here ({how})", why,
                                     "may check")

    @staticmethod
    def _replace(pv: PortValue, new: str) -> Edit:
        raw = f"{pv.quote}{new}{pv.quote}" if pv.quote and not new.isdigit() else new
        return Edit(pv.span, raw)

    # --- compose and docker run ------------------------------------------------------------------
    def compose(self) -> Iterator[Finding]:
        for s in self.topo.compose:
            at = compose_link(s, self.links, self.here)
            if at is None:
                continue
            what = f"the service {s.name}"
            if s.image and not s.build and self.links.built:  # an image the run builds from the server's Dockerfile
                linked, why, how = image_link(self.links, s.image)
                if linked is at and why is None:
                    what += f" (its image {s.image}, {how})"
            for r in s.regions:
                yield from self.self_urls(r, at, what, "may run" if at.maybe else "runs")
                if s.options and not s.lines:  # options given to the image's ENTRYPOINT server
                    yield from self.strict_elsewhere(r, at, what)
            m = at.move
            if not m.health:
                continue
            for pl in s.lists:
                ports = [e.port for e in pl.entries]
                for e in pl.entries:
                    if e.port != m.health or not self.free(e.span):
                        continue
                    msg = f"port {m.health} of the service {s.name}: {self.follows(at)}; V2 serves health on the HTTP port {m.http}"
                    if at.maybe:
                        yield self.emit(HEALTH_PORT_ROUTE.finding(e.span, f"{msg}, but {at.maybe}: remove it where the "
                                                                  f"service runs the migrated image"))
                    elif m.http in ports:
                        yield self.emit(HEALTH_PORT_ROUTE.finding(e.span, f"{msg}; removed from {pl.where}",
                                                                  fix=Fix.of(f"Remove port {m.health} from {pl.where}", *e.remove())))
                    else:
                        yield self.emit(HEALTH_PORT_ROUTE.finding(
                            e.span, f"{msg}: publish the HTTP port instead",
                            suggestion=f"{e.host or m.http}:{m.http}" if pl.where == "ports" else m.http))

    def docker_runs(self) -> Iterator[Finding]:
        for d in self.topo.docker_runs:
            at = docker_link(d, self.links)
            if at is None or not at.move.health:
                continue
            m = at.move
            for e in d.ports.entries:
                if e.port != m.health or not self.free(e.span):
                    continue
                msg = f"docker run -p {e.host + ':' if e.host else ''}{e.port}: {self.follows(at)}; V2 serves health on the HTTP port {m.http}"
                if at.maybe:
                    yield self.emit(HEALTH_PORT_ROUTE.finding(e.span, f"{msg}, but {at.maybe}: remove it where this "
                                                              f"runs the migrated image"))
                elif any(x.port == m.http for x in d.ports.entries):
                    yield self.emit(HEALTH_PORT_ROUTE.finding(e.span, f"{msg}; this mapping is removed",
                                                              fix=Fix.of(f"Remove the mapping of port {m.health}", *e.remove())))
                else:
                    yield self.emit(HEALTH_PORT_ROUTE.finding(e.span, f"{msg}: publish the HTTP port instead",
                                                              suggestion=f"-p {e.host or m.http}:{m.http}"))

    # --- URLs -------------------------------------------------------------------------------------
    def self_urls(self, r: Region, at: At, what: str, verb: str) -> Iterator[Finding]:
        """The strings of the server's own container written in another file: a request path (a probe's),
        URLs to itself (``localhost``, its own names) on the container's ports. The region is the
        server's own: ``urls`` leaves it alone."""
        if r.offsets:
            self.self_regions.add(r.off(0))
        if r.report_only or r.image_context:
            return
        m = at.move
        if r.text.startswith("/api/") and m.paths:
            yield from self.path(r, 0, r.text, at, what, at.maybe, verb)
        own = LOCAL | set(m.hosts)
        for u in _HOST_PORT.finditer(r.text):
            if u.group("host") not in own:
                continue
            yield from self.url_port(r, u, [(at, m.http if m.health and u.group("port") == m.health else None)],
                                     f"a URL of {what} to itself", at.maybe)
            yield from self.url_path(r, u, [at], f"{what}", at.maybe, verb)

    def gets(self) -> Iterator[Finding]:
        """Requests whose host and port are written apart from their path (a Tilt ``http_get_action``): the
        path reaches the server that ``host:port`` reaches, as a URL's would."""
        for g in getattr(self.topo, "gets", ()):
            got, why = self.resolve(g.host, g.port)
            at = next((a for a, _new in got if a.move.paths), None)
            if at is not None:
                yield from self.path(g.path, 0, g.path.text, at, f"this request ({g.host}:{g.port})", why)

    def urls(self) -> Iterator[Finding]:
        # in a manifest or a compose file, ``localhost`` is the container's own (its pod's) network: the
        # server's own containers are the per-file rules' and the containers linked to it are read above; in a
        # Dockerfile, the build's or the image's container (its HEALTHCHECK: ``execs``)
        host_side = self.doc.kind not in ("kubernetes", "compose", "helm-template", "dockerfile")
        healths = {a.move.health for a in self.links.moves if a.move.health}
        for r in self.doc.regions():
            if r.report_only or r.image_context or (r.offsets and r.off(0) in self.self_regions):
                continue
            if host_side:
                yield from self.run_time_url(r)
            if self.runs_in is not None and "/api/" in r.text:
                yield from self.own_port_urls(r)
            if self.called and "/api/" in r.text:
                yield from self.argument_urls(r)
            if ":" not in r.text and "/api/" not in r.text:
                continue
            placeholder = r.placeholder if host_side else None  # ``f"http://{host}:8000/..."``
            if placeholder is not None and (u := _PORT_FIRST.match(r.text)) is not None:
                yield from self.run_time_host(r, u, placeholder)
            elif placeholder is not None and (u := _API_FIRST.match(r.text)) is not None:
                # ``SERVER + "/api/health/ready"`` with ``SERVER = "http://localhost:8000"`` set once
                yield from self.based_url(r, u, bare_name(placeholder))
            if self.doc.kind == "text" and "+" in r.text:  # a program source's ``SERVER + "/api/..."``
                for u in _JOINED_API.finditer(r.text):
                    yield from self.based_url(r, u, u.group("name"))
            for u in _HOST_PORT.finditer(r.text):
                host, port = u.group("host"), u.group("port")
                var = _env_name(host, self.doc.text) if host_side and host.startswith("$") and self.links.env else None
                if var is not None and var in self.links.env:  # set by a compose service or a container of the run
                    if var in self.links.env_hosts and u.group("path"):
                        yield from self.env_url(r, u.start("path"), u.group("path"), var, port, False)
                    continue
                if host.startswith("{{") and "".join(host.split()) in self.links.hosts:
                    host = "".join(host.split())  # ``{{tasks.serve.ip}}``: the pod of the Argo step it names
                elif host.startswith(("$", "{", "`")):
                    pinned = variable_host(host, self.doc.text)
                    listed = loop_hosts(host, self.doc.text, r.off(u.start())) \
                        if pinned is None and host_side and r.contiguous(u.start(), u.end()) else None
                    if listed is not None and (found := self.loop_url(r, u, listed)) is not None:
                        yield from found
                        continue
                    if pinned is None:
                        if host_side:
                            yield from self.run_time_host(r, u, host)
                        elif host.startswith("{{"):
                            yield from self.template_host(r, u, "".join(host.split()))
                        continue
                    host = pinned
                inside = self.exec_at(r.off(u.start())) if host in LOCAL and (self.execs or self.runs_in) else None
                if inside is None and host in LOCAL and not host_side:
                    continue
                if host in LOCAL and getattr(self.doc, "container_options", lambda _at: None)(r.off(u.start())) is not None:
                    continue  # a CI container's own health check (``options: --health-cmd``): its localhost is its own
                if inside is not None:  # ``kubectl exec deploy/triton -- curl localhost:8000/...``: the pod's own
                    if inside[0] is not None:
                        m = inside[0].move
                        own = [(inside[0], m.http if m.health and port == m.health else None)] \
                            if port in (m.http, m.health) else []
                        yield from self.url_port(r, u, own, f"this URL ({u.group('host')}:{port}, {inside[1]})")
                        yield from self.url_path(r, u, [a for a, _n in own], f"this URL ({inside[1]})", None)
                    continue
                got, why = self.resolve(host, port)
                if not got and host not in LOCAL and port in self.links.node_ports and self.links.service(host, None) is None \
                        and host not in self.links.hosts:
                    yield from self.run_time_host(r, u, host, f"{host} may be the address of a node, where port {port} reaches it")
                    continue
                if not got:
                    if port in healths and facts.TRITON_HOST.search(host) and host not in LOCAL:
                        yield from self.unknown_host(r, u)
                    continue
                yield from self.url_port(r, u, got, f"this URL ({u.group('host')}:{u.group('port')})", why)
                yield from self.url_path(r, u, [a for a, _n in got], "this URL", why)
            if host_side and "$" in r.text:
                for u in _HELD_URL.finditer(r.text):
                    yield from self.held_url(r, u, u.group("host"), u.group("port"))
                for u in _HELD_BASE.finditer(r.text):  # ``$TRITON$READY`` with ``TRITON=http://triton:8000``
                    name = _VARIABLE.fullmatch(u.group("base"))
                    base = base_url(name.group(1), self.doc.text) if name is not None and name.group(1) else None
                    if base is not None:
                        yield from self.held_url(r, u, *base)
            if hasattr(self.doc, "actions_in") and "/api/" in r.text:
                yield from self.template_urls(r)
            for v in _VARIABLE_URL.finditer(r.text) if "$" in r.text else ():
                yield from self.variable_url(r, v)
            if r.label not in ("path", "command", "args") and "\n" in r.text:
                yield from self.named_upstream(r)
            for u in _HOST_PATH.finditer(r.text):
                svc = self.links.service(u.group("host"), None)
                if svc is None or not svc.ats:
                    continue
                entry = next((p for p in svc.ports if p[0] == ("443" if u.group("scheme") == "https" else "80")), None)
                if entry is None or _role(entry[2], svc.ats[0].move) != "http":
                    continue
                yield from self.url_path(r, u, svc.ats, "this URL", svc.why)

    def based_url(self, r: Region, u: re.Match, name: str) -> Iterator[Finding]:
        """The V1 path ``u`` joined to ``name``, which the file sets once to a URL base (``base_url``: ``SERVER =
        "http://localhost:8000"``, ``const SERVER = "..."``): it reaches what that base reaches."""
        base = base_url(name, self.doc.text)
        if base is not None:
            got, why = self.resolve(*base)
            yield from self.url_path(r, u, [a for a, _new in got], f"this URL ({name}, {base[0]}:{base[1]})", why)

    def own_port_urls(self, r: Region) -> Iterator[Finding]:
        """A file that runs in a migrated server's container (``runs_in``: its image's ``HEALTHCHECK``, a probe's
        exec, or COPY'd into its image) asks its own ``localhost`` on a port a variable holds
        (``curl "http://localhost:${PORT}/api/health/ready"``, ``f"http://127.0.0.1:{PORT}/api/..."``): the server
        is the one that answers there. The path moves when the variable's one value (or default) is the server's
        HTTP port; a warning when it is the health port V2 removed, or a port known only at run time; another port
        (``os.environ.get("EXPORTER_PORT", "9400")``) is another program's of the container: left alone."""
        at = self.runs_in[0]
        m = at.move
        if not m.paths:
            return
        text = self.doc.text
        for u, before in _api_paths_after(r, text, _OWN_PORT_URL, 200):
            host = before.group("host")
            if host.startswith(("$", "{")):
                host = variable_host(host, text) if host.startswith("$") else assigned_value(host[1:-1], text)
            if host not in _OWN_HOSTS:
                continue
            var = before.group("port")
            port = variable_host(var, text) if var.startswith("$") else assigned_value(var[1:-1], text)
            what = f"this URL ({before.group(0)}; this file runs in the server's container, {self.runs_in[1]})"
            if port is not None and port == m.http:
                why = None
            elif port is not None and port == m.health:
                why = f"its port {var} is {port}, the health port V2 removed: set it to the HTTP port {m.http} where it is set"
            elif port is not None and port.isdigit():
                continue  # another port of the container (``${METRICS_PORT:-9400}``): another program's
            else:
                why = f"its port {var} is {port or 'known only at run time'}, where the server's HTTP port is {m.http}: " \
                    f"check that it asks the server"
            yield from self.url_path(r, u, [at], what, why, "reaches" if why is None else "may reach")

    def argument_urls(self, r: Region) -> Iterator[Finding]:
        """A script that builds its URL from an argument (``curl "$1/api/health/ready"``, Python's
        ``sys.argv[1] + "/api/health/ready"``) which the files of the run that run it give as a URL
        (``sh ci/wait.sh http://trtis:8000``, ``Links.called``): the path reaches the server that URL reaches -
        moved when every call gives one that reaches the same server, a warning when only some do."""
        for u, b in _api_paths_after(r, self.doc.text, _ARGUMENT_BEFORE, 40):
            n = int(next(g for g in b.groups() if g))
            hits, others = [], []
            for args, where in self.called:
                value = args[n - 1] if 0 < n <= len(args) else None
                hp = _HOST_PORT.fullmatch(value.rstrip("/")) if value is not None else None
                got = self.resolve(hp.group("host"), hp.group("port")) if hp is not None and hp.group("host") \
                    not in LOCAL else ([], None)
                at = next((a for a, new in got[0] if a.move.paths and new is None), None)
                (hits if at is not None else others).append((value, where, at, got[1]))
            if not hits:
                continue
            value, where, at, why = hits[0]
            if others:
                why = why or (f"{others[0][1]} gives it {others[0][0]}" if others[0][0] is not None else
                              f"{others[0][1]} gives it a value known only at run time")
            elif len({id(h[2]) for h in hits}) > 1:
                why = why or "its callers give it several servers"
            what = f"this URL ({b.group(0).rstrip(chr(34) + chr(39) + ' +')} is {value}, given by {where})"
            yield from self.path(r, u.start(), u.group("path"), at, what, why)

    def loop_url(self, r: Region, u: re.Match, listed: list[str]) -> list[Finding] | None:
        """A URL whose host is a ``for`` loop's variable (``for svc in trtis web; do curl http://$svc:8000/...``,
        ``loop_hosts``): each turn asks one listed host. The server's when every listed host reaches a server of
        the run on that port; a warning (no edit) when only some do - the same line asks the others, whose path
        stays. None when no listed host reaches one (as if the loop were not read)."""
        port = u.group("port")
        found = {h: self.resolve(h, port) for h in listed}
        hit = [h for h in listed if found[h][0]]
        if not hit:
            return None
        got = [g for h in hit for g in found[h][0]]
        others = [h for h in listed if not found[h][0]]
        why = next((found[h][1] for h in hit if found[h][1]), None)
        if others:
            why = (f"the loop also gives it {', '.join(others)}, which {'is' if len(others) == 1 else 'are'} not known "
                   f"as a server of the run: the same URL asks {'it' if len(others) == 1 else 'them'} too")
        what = f"this URL ({u.group('host')}:{port}, {u.group('host')} being {', '.join(listed)} in turn)"
        return list(self.url_port(r, u, got, what, why)) + list(self.url_path(r, u, [a for a, _n in got], what, why))

    def held_url(self, r: Region, u: re.Match, host: str, port: str) -> Iterator[Finding]:
        """A URL some of whose parts are variables the script sets to one value (``HOST=inference``, ``PORT=8000``,
        ``READY=/api/health/ready``; ``http://$HOST:$PORT$READY``, ``$TRITON$READY``): read as if written with those
        values. A V1 path held by a variable is changed where the variable is set (its one assignment), unless the
        variable is also used where it may not reach a migrated server (another application's URL): then the
        variable is to be split, a warning."""
        if not any(p.startswith("$") for p in (host, port, u.group("rest"))):
            return  # written out: read above
        at, why, (host, port, rest) = self._held_at(host, port, u.group("rest"))
        if at is None:
            return
        what = f"this URL ({u.group(0)}: {host}:{port}{rest})"
        if not u.group("rest").startswith("$"):
            yield from self.path(r, u.start("rest"), rest, at, what, why)
            return
        v2 = rest.replace("/api/", "/v2/", 1)
        name = _VARIABLE.fullmatch(u.group("rest"))
        sets = list(re.finditer(r"(?m)(?:^|[;&|\s])(?:export\s+|local\s+|readonly\s+|declare\s+)?"
                                + re.escape(name.group(1) if name else "") + r"=[\"']?(/api/[\w/.-]*)", self.doc.text))
        place = self._region_at(sets[0].start(1)) if name is not None and len(sets) == 1 else None
        other = self._held_elsewhere(name.group(1)) if name is not None and name.group(1) else None
        if other is not None:
            line = self.doc.text.count("\n", 0, other) + 1
            yield self.emit(HEALTH_PATH_ROUTE.finding(
                r.span(u.start("rest"), u.end("rest")), f"{u.group('rest')} is {rest}: {what} reaches "
                f"{self.reaches(at)}, where V2 serves {v2}, but line {line} uses {u.group('rest')} too, in a URL not "
                f"known to reach a migrated server: split the variable (a V2 path for this URL, the other unchanged)",
                W, suggestion=v2))
            return
        if place is None:  # set in several places, or where it cannot be edited
            yield self.emit(HEALTH_PATH_ROUTE.finding(
                r.span(u.start("rest"), u.end("rest")), f"{u.group('rest')} is {rest}: {what} reaches "
                f"{self.reaches(at)}: V2 serves {v2}: set it where it is set", W, suggestion=v2))
            return
        yield from self.path(place[0], place[1], rest, at, f"{u.group('rest')}, the path of {what},", why)

    def _held_at(self, host: str, port: str, rest: str) -> tuple:
        """The migrated server (with its caveat) a URL of held parts reaches, and the parts' values."""
        host, port, rest = (variable_host(p, self.doc.text) if p.startswith("$") else p for p in (host, port, rest))
        if not host or not port or not port.isdigit() or not rest or not rest.startswith("/api/"):
            return None, None, (host, port, rest)
        got, why = self.resolve(host, port)
        return next((a for a, _n in got if a.move.paths), None), why, (host, port, rest)

    def _held_elsewhere(self, name: str) -> int | None:
        """Where the text uses the path variable ``name`` other than right after a URL base that reaches a
        migrated server (``http://web:9000$READY``, ``curl $READY``): its offset, or None."""
        text = self.doc.text
        for m in re.finditer(r"\$\{?" + re.escape(name) + r"(?![\w])", text):
            before = text[max(0, m.start() - 300):m.start()]
            hp = _HOST_PORT_BEFORE.search(before)
            if hp is not None:
                host, port = hp.group("host"), hp.group("port")
            else:
                b = re.search(r"(?<![\w$])\$\{?([A-Za-z_]\w*)\}?\Z", before)
                base = base_url(b.group(1), text) if b is not None else None
                if base is None:
                    return m.start()
                host, port = base
            if self._held_at(host, port, "/api/")[0] is None:
                return m.start()
        return None

    def run_time_url(self, r: Region) -> Iterator[Finding]:
        """V1's health path after a URL whose host and port (or whole base) are known only at run time, in a
        run whose servers listen on the machine's ports: it may reach one of them (a warning, never an edit:
        only whoever sets the values knows)."""
        if "/api/health/" not in r.text:
            return
        if self._published_moves is None:
            self._published_moves = [a for a in self.links.moves if a.move.paths and a.move.published]
        ats = self._published_moves
        if not ats:
            return
        found = list(_AFTER_VALUE.finditer(r.text))
        if r.placeholder is not None and (u := _HEALTH_FIRST.match(r.text)) is not None \
                and base_url(r.placeholder, self.doc.text) is None:  # (a base set once: ``urls`` follows it)
            found.insert(0, u)
        for u in found:
            hp = _HOST_PORT_BEFORE.search(r.text, max(0, u.start() - 300), u.start("path"))
            if hp is not None and all((p or "").isdigit() if k == "port" else p for k, p in (
                    ("host", variable_host(hp.group("host"), self.doc.text) if "$" in hp.group("host") else hp.group("host")),
                    ("port", variable_host(hp.group("port"), self.doc.text) if "$" in hp.group("port") else hp.group("port")))):
                continue  # ``HOST=web``, ``PORT=9000``: set once, known (``held_url`` reads it)
            if hp is None and u.start("path") > u.start() and self._other_bases(r.text[u.start():u.start("path")]):
                continue
            held = _VARIABLE.match(u.group(0))
            if held is not None and held.group(1) and base_url(held.group(1), self.doc.text) is not None:
                continue  # ``${ORDERS}/api/...`` with ``const ORDERS = "http://orders:8000"``: known (``variable_url``)
            yield from self.url_path(r, u, ats, "this URL", "its host and port are only known at run time", "may reach")

    def _other_bases(self, var: str) -> bool:
        """The URL base variable ``var`` (``$BASE`` of ``$BASE/api/health/ready``) holds a known value that reaches
        no migrated server, whatever gives it: its default and assignments (``BASE=${1:-http://localhost:8080}``,
        ``variable_host``) and, when it is set from an argument, what each call of the run gives that argument
        (``sh wait-for.sh http://localhost:8080``): another program's URL, as if written out."""
        text = self.doc.text
        m = _VARIABLE.fullmatch(var)
        value = variable_host(var, text) if m is not None and m.group(1) else None
        if value is None:
            return False
        values = [value]
        name = m.group(1)
        arg = None if name.isdigit() else re.search(
            r"(?m)(?:^|[;&|\s])(?:export\s+|local\s+|readonly\s+|declare\s+)?" + re.escape(name)
            + r"=[\"']?\$\{?(\d)(?![\w])", text)
        n = int(name) if name.isdigit() else int(arg.group(1)) if arg is not None else 0
        if n:
            values += [args[n - 1] for args, _where in self.called or () if n <= len(args)]
        for v in values:
            hp = _HOST_PORT.fullmatch(v.rstrip("/"))
            if hp is None or not hp.group("scheme") or not (hp.group("port") or "").isdigit() \
                    or "$" in v or self.resolve(hp.group("host"), hp.group("port"))[0]:
                return False
        return True

    def named_upstream(self, r: Region) -> Iterator[Finding]:
        """A proxy's configuration (an Envoy cluster, an nginx or HAProxy upstream in a ConfigMap) that names a
        Service of a moving server as its upstream address and asks a V1 path with no host of its own (a
        health check's ``path: /api/health/ready``), or a script that names the Service and asks a V1 path on
        a port it learns at run time (``NODE_PORT=$(kubectl get ... services inference)``, then
        ``$NODE_IP:$NODE_PORT/api/health/ready``): the path is likely asked of that server - a warning,
        never an edit."""
        bare = [m for rx in (_BARE_V1_PATH, _VARIABLE_PORT_PATH) for m in rx.finditer(r.text)
                if self.free(r.span(m.start("path"), m.end("path")))]
        if not bare:
            return
        named = {}
        for svc in self.links.services:
            if svc.ats and svc.name and not _written(svc.name) and re.search(
                    r"(?<![\w.-])" + re.escape(svc.name) + r"(?:\.[\w-]+)*(?![\w-])", r.text):
                named[svc.name] = svc
        if len(named) != 1:
            return
        svc = next(iter(named.values()))
        for m in bare:
            yield from self.path(r, m.start("path"), m.group("path"), svc.ats[0], f"this path (the text names the Service "
                                 f"{svc.name})", svc.why or "its host is named apart or known only at run time: "
                                 "check that it is this server", "may reach")

    def variable_url(self, r: Region, v: re.Match) -> Iterator[Finding]:
        """``$(TRITON_URL)/api/health/ready``: the variable holds the URL's scheme, host and port (one value the
        file gives it: a container's ``env``, an assignment); the path reaches the server that URL reaches."""
        var = _env_name(v.group("var"), self.doc.text) if self.doc.kind not in ("kubernetes", "compose", "helm-template") \
            and self.links.env else None
        if var is not None and var in self.links.env:  # set by a compose service or a container of the run
            if var in self.links.env_hosts:
                yield from self.env_url(r, v.start("path"), v.group("path"), var, None, True)
            return
        value = variable_host(v.group("var"), self.doc.text)
        held = _VARIABLE.fullmatch(v.group("var")) if value is None else None
        base = base_url(held.group(1), self.doc.text) if held is not None and held.group(1) else None
        if base is not None:  # a program's constant (``const TRITON = "http://localhost:8000";``)
            value = f"{base[0]}:{base[1]}"
        u = _HOST_PORT.fullmatch(value.rstrip("/")) if value else None
        if u is None or u.group("path"):
            return
        host, port = u.group("host"), u.group("port")
        if host in LOCAL and self.doc.kind in ("kubernetes", "compose", "helm-template"):
            return  # the container's own network: the per-file rules' and the linked containers'
        got, why = self.resolve(host, port)
        ats = [a for a, _n in got]
        if ats:
            yield from self.path(r, v.start("path"), v.group("path"), ats[0], f"this URL ({v.group('var')} is {value})", why)

    def env_urls(self) -> Iterator[Finding]:
        """URLs a program builds from a variable of its environment that a compose service or a container of the
        run sets to a moving server's host (``doc.env_urls``: ``"http://%s:%d%s" % (HOST, PORT, READY)`` after
        ``HOST = os.environ.get("INFERENCE_HOST", "localhost")``)."""
        sites = getattr(self.doc, "env_urls", None)
        if sites is None or not self.links.env_hosts:
            return
        for u in sites():
            if u.host not in self.links.env_hosts:
                continue
            found = self._region_at(u.path_at)
            if found is None:
                continue
            port = u.port
            if u.port_var is not None and u.port_var in self.links.env:  # the run sets the port too
                values = {v for v, _ns, _w in self.links.env[u.port_var]}
                port = values.pop() if len(values) == 1 else None
            yield from self.env_url(found[0], found[1], u.path, u.host, port, u.base)

    def _region_at(self, offset: int) -> tuple[Region, int] | None:
        for r in self.doc.regions():
            if not r.text or r.report_only or not r.off(0) <= offset <= r.off(len(r.text) - 1):
                continue
            if r.offsets is None:
                return r, offset - r.base
            try:
                return r, list(r.offsets).index(offset)
            except ValueError:
                continue
        return None

    def env_url(self, r: Region, start: int, path: str, var: str, port: str | None, base: bool) -> Iterator[Finding]:
        """A URL whose host (``base``: scheme, host and port) is the variable ``var``, which compose services or
        containers of the run set (``Links.env``): its path reaches the server they name - a warning when the run
        also sets it to another host, or the port is not the server's HTTP port as far as the file says."""
        hits, others = [], []
        for value, ns, where in self.links.env[var]:
            hp = _env_host(value)
            if hp is None or (not base and hp[1] is not None):
                others.append((value, where))
                continue
            host, p = hp[0], (hp[1] if base else port)
            if p is None:
                got, why = [(a, None) for a in _env_servers(self.links, value, ns)], \
                    "its port is known only at run time"
            else:
                got, why = self.resolve(host if ns is None or "." in host else f"{host}.{ns}", p)
            ats = [a for a, _n in got if a.move.paths]
            if ats:
                hits.append((value, where, ats[0], why, got))
            else:
                others.append((value, where))
        if not hits:
            return
        value, where, at, why, got = hits[0]
        if any(n is not None for _a, n in got):
            why = why or f"port {port} is the health port the migration removed: use the HTTP port {at.move.http}"
        if others:
            why = why or f"the run sets {var} to {others[0][0]} too ({others[0][1]})"
        if len({id(h[2]) for h in hits}) > 1:
            why = why or f"the run sets {var} to several servers"
        what = f"this URL ({var} is {value}, set by {where})" if base else \
            f"this URL (its host {var} is {value}, set by {where})"
        yield from self.path(r, start, path, at, what, why)

    def template_urls(self, r: Region) -> Iterator[Finding]:
        """A chart's template that asks its own Service through template actions (the test hook of ``helm
        create``: ``wget '{{ include "x.fullname" . }}:{{ .Values.service.port }}/api/status'``): the host
        is the Service written by the same action, the port the values' (``HelmTemplateDoc.actions_in``)."""
        acts = {i: (j, text) for i, j, text in self.doc.actions_in(r)}
        for u in _TEMPLATE_URL.finditer(r.text):
            if u.start("host") not in acts:
                continue
            host = acts[u.start("host")][1]
            port = u.group("port")
            if port is not None and port.startswith("$"):
                port = acts.get(u.start("port"), (0, port))[1]
            base = _URL_BASE.fullmatch(host) if port is None else None
            named = None
            if base is not None:  # a value that is a whole base (``tritonUrl: http://platform-triton:8000``)
                host, port = base.group("host"), base.group("port") or ("443" if base.group("scheme") == "https" else "80")
                svc = self.links.service(host, None)
                if svc is None:
                    svc, named = self.release_service(host)
            else:
                svc = self.links.service(host, None)
            if svc is None or not svc.ats:
                continue
            entry = next((p for p in svc.ports if p[0] == port), None) if port else \
                (svc.ports[0] if len(svc.ports) == 1 else None)
            why = svc.why or named
            if entry is None or _role(entry[2], svc.ats[0].move) != "http":
                why = why or f"the port it asks ({port or 'none'}) is not known to reach the server's HTTP port"
            yield from self.path(r, u.start("path"), u.group("path"), svc.ats[0], "this URL", why)

    def release_service(self, host: str) -> tuple["Svc | None", str | None]:
        """The Service of a chart named after its release (``{{ .Release.Name }}-triton``) that a host of the values
        (``platform-triton``) names when the chart is installed as ``platform``: the release's name is the
        installer's, so it is why the target is not certain."""
        got = []
        for svc in self.links.services:
            m = _RELEASE_NAMED.fullmatch(svc.name)
            if m is not None and svc.ats and host.split(".")[0].endswith(m.group("rest")) and \
                    len(host.split(".")[0]) > len(m.group("rest")):
                got.append(svc)
        if len(got) != 1:
            return None, None
        release = host.split(".")[0][: -len(_RELEASE_NAMED.fullmatch(got[0].name).group("rest"))]  # type: ignore[union-attr]
        return got[0], (f"its host {host} is the Service {got[0].name} only when the chart is installed as a release "
                        f"named {release}")

    def run_time_host(self, r: Region, u: re.Match, host: str, why: str | None = None) -> Iterator[Finding]:
        """A URL whose host is a variable or a placeholder the file does not pin, on a host port that
        publishes a moving server: it may reach that server, which only the person who sets it knows
        (a warning, never an edit)."""
        got = [(at, (http or "") if at.move.health and cport == at.move.health else None)
               for at, cport, http in self.links.host_ports.get(u.group("port"), [])]
        if not got:
            return
        why = why or f"its host ({host}) is only known at run time"
        yield from self.url_port(r, u, got, f"this URL ({host}:{u.group('port')})", why)
        yield from self.url_path(r, u, [at for at, _new in got], "this URL", why, "may reach")

    def template_host(self, r: Region, u: re.Match, host: str) -> Iterator[Finding]:
        """A URL whose host is a template expression that no step of the file names as a server's pod
        (``{{inputs.parameters.server}}``, ``{{tasks.other.ip}}`` of a task that is no pod) in a file that runs a
        server of the run: it may reach that server, which only the workflow's run knows (a warning, never an
        edit). A step that runs another application's template (``KubernetesDoc.argo_hosts``) is that one's."""
        if any(host in hosts for hosts in getattr(self.doc, "argo_hosts", dict)().values()):
            return
        ats = [a for a in self.links.moves if a.move.file == self.here]
        if not ats:
            return
        why = f"its host ({host}) is known only when the workflow runs"
        got = [(a, a.move.http if a.move.health and u.group("port") == a.move.health else None) for a in ats]
        yield from self.url_port(r, u, got, f"this URL ({host}:{u.group('port')})", why)
        yield from self.url_path(r, u, ats, "this URL", why, "may reach")

    def unknown_host(self, r: Region, u: re.Match) -> Iterator[Finding]:
        """A URL to an inference server on a health port the run removed, through a host the run cannot
        follow: a person checks which server it is."""
        span = r.span(u.start("port"), u.end("port"))
        if not self.free(span):
            return
        ats = [a for a in self.links.moves if a.move.health == u.group("port")]
        https = sorted({a.move.http for a in ats})
        yield self.emit(HEALTH_PORT_ROUTE.finding(
            span, f"this URL ({u.group('host')}:{u.group('port')}) may reach the server whose health port "
            f"{u.group('port')} was removed at {ats[0].where(self.here, True)}, but the run knows no Service or "
            f"service named {u.group('host')}: if it is that server, use its HTTP port ({', '.join(https)})",
            suggestion=https[0] if len(https) == 1 else None))

    def resolve(self, host: str, port: str) -> tuple[list[tuple[At, str | None]], str | None]:
        """The servers ``host:port`` reaches, each with the port the URL must use instead (None: keep it),
        and why the target is ambiguous."""
        out: list[tuple[At, str | None]] = []
        why = None
        svc = self.links.service(host, None) if host not in LOCAL else None
        if svc is not None and svc.ats:
            entry = next((p for p in svc.ports if p[0] == port), None)
            if entry is not None:
                m = svc.ats[0].move
                role = _role(entry[2], m)
                if role == "health":
                    http = next((p for p in svc.ports if _role(p[2], m) == "http"), None)
                    out.append((svc.ats[0], http[0] if http else ""))
                elif role == "http":
                    out.append((svc.ats[0], None))
                why = svc.why or (_shared(entry[2], m) if role == "health" else None)
        for at in self.links.hosts.get(host, []) if host not in LOCAL else []:
            m = at.move
            if m.health and port == m.health:
                out.append((at, m.http))
            elif port == m.http:
                out.append((at, None))
        if host in LOCAL and self.runs_elsewhere is None:
            for at, cport, http_host in self.links.host_ports.get(port, []):
                m = at.move
                if m.health and cport == m.health:
                    out.append((at, http_host or ""))
                elif cport == m.http:
                    out.append((at, None))
        if len({new for _a, new in out}) > 1 or len({id(a) for a, _n in out}) > 1 and \
                len({(a.move.health, a.move.http) for a, _n in out}) > 1:
            why = why or "several servers of the run answer there"
        why = why or next((a.maybe for a, _n in out if a.maybe), None)
        return out, why

    def url_port(self, r: Region, u: re.Match, got: list[tuple[At, str | None]], what: str,
                 why: str | None = None) -> Iterator[Finding]:
        moving = [(a, new) for a, new in got if new is not None]
        if not moving:
            return
        at, new = moving[0]
        span = r.span(u.start("port"), u.end("port"))
        if not self.free(span) or not r.contiguous(u.start("port"), u.end("port")):
            return
        m = at.move
        path = u.group("path") or ""
        msg = f"{what}: {self.follows(at)}; V2 serves health on the HTTP port {m.http}"
        if why or len({n for _a, n in moving}) > 1:
            yield self.emit(HEALTH_PORT_ROUTE.finding(span, f"{msg}, but {why or 'several servers of the run answer there'}"
                                                      f": check where this URL goes"))
        elif not new:
            yield self.emit(HEALTH_PORT_ROUTE.finding(span, f"{msg}: nothing there reaches the HTTP port; publish or "
                                                      f"route it, then use its port"))
        elif path not in ("", "/") and not path.startswith(("/api/health", "/v2/health")):
            yield self.emit(HEALTH_PORT_ROUTE.finding(span, f"{msg}: {path} on the health port: check what it asked "
                                                      f"for", suggestion=new))
        else:
            yield self.emit(HEALTH_PORT_ROUTE.finding(span, f"{msg}, reached here on port {new}", I,
                                                      Fix.of(f"Use port {new}", Edit(span, new))))

    def url_path(self, r: Region, u: re.Match, ats: list[At], what: str, why: str | None,
                 verb: str = "reaches") -> Iterator[Finding]:
        path = u.group("path") or ""
        if not path.startswith("/api/"):
            return
        at = next((a for a in ats if a.move.paths), None)
        if at is None:
            return
        yield from self.path(r, u.start("path"), path, at, what, why, verb)

    def path(self, r: Region, start: int, path: str, at: At, what: str, why: str | None,
             verb: str = "reaches") -> Iterator[Finding]:
        """A V1 endpoint path at ``r.text[start:]`` that reaches the migrated server ``at`` (``what`` says who
        asks for it, ``verb`` how it relates to the server: "reaches", "is", "runs")."""
        from .endpoints import _ROWS

        for rl, url, rx in _ROWS:
            pm = rx.match(path)
            if not pm:
                continue
            span = r.span(start, start + pm.end())
            if not self.free(span):
                return
            if url.v2 is None:
                yield self.emit(rl.finding(span, f"{pm.group(0)}: {url.message} ({what} {verb} {self.reaches(at)})",
                                           suggestion=url.suggestion))
            elif why:
                yield self.emit(HEALTH_PATH_ROUTE.finding(
                    span, f"{pm.group(0)}: {what} {verb} {self.reaches(at)}, but {why}: V2 serves {url.v2}; change it "
                    f"where the route reaches V2 only", W, suggestion=url.v2))
            elif not r.contiguous(start, start + pm.end()):
                yield self.emit(HEALTH_PATH_ROUTE.finding(span, f"{pm.group(0)}: {what} {verb} {self.reaches(at)}: V2 "
                                                          f"serves {url.v2}", W, suggestion=url.v2))
            else:
                yield self.emit(HEALTH_PATH_ROUTE.finding(
                    span, f"{pm.group(0)} -> {url.v2}: {what} {verb} {self.reaches(at)}; {url.message}", I,
                    Fix.of(f"Use {url.v2}", Edit(span, url.v2))))
            return

