"""CI pipelines (GitHub Actions workflows, ``.gitlab-ci.yml``) -> Document.

The YAML is composed with yamlsrc (every edit is a span of the original text, so comments,
anchors, ``!reference`` tags and ``${{ ... }}`` expressions stay as written). Shell scripts -
GitHub ``run:`` and GitLab ``script:``/``before_script:``/``after_script:`` - are handed to the
shell machinery of shell.py when every character of the scalar stands verbatim in the file
(literal ``|`` blocks, plain or quoted one-line scalars without escapes); a folded or escaped
script is read too, but only reported. Image references (job ``container:``, ``services:``,
``image:``, ``with.image``, ``docker://`` actions) and every other string value are regions for
the text rules; a GitLab service's ``command:``/``entrypoint:`` is a server command line.
"""

from __future__ import annotations

import bisect
import os
import re

from .. import evidence, facts
from ..model import Span
from ..syntax import yamlquote as Q
from ..syntax import yamlsrc as Y
from ..syntax.yamlsrc import MappingNode, Node, ScalarNode, SequenceNode
from . import commands as C
from . import held as H
from . import yamlsites as S
from .base import used_only_as_image_tag
from .dockerrun import publish_ports
from .shell import _NAMED_BINARY, _RELEASE, ShellDoc, crlf_as_lf
from .sites import BuildArgument, BuildSite, CommandLine, CommandSite, Region, Topology, line_key
from ..syntax.shellwords import Word

_SCRIPT_KEYS = {"script", "before_script", "after_script"}
#: a GitHub expression that is one variable of the file's ``env:``
_ENV_EXPRESSION = re.compile(r"^\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")
EDITABLE_SEQUENCES = frozenset({"command", "entrypoint"})
#: top-level keys of a GitLab file that are no job (``default:`` reaches every job)
_GITLAB_KEYWORDS = frozenset({"default", "include", "stages", "variables", "workflow", "image", "services", "cache",
                              "before_script", "after_script", "types"})
#: a port a script publishes (``docker run -p 8000:8000``, ``--publish=127.0.0.1:8000:8000``): its host side
_PUBLISHED = re.compile(r"(?:\s-p\s*|--publish[=\s]\s*)[\"']?(?:[\d.]+:)?(\d+):\d+")
#: a script that starts containers (or a cluster) of its own: what listens on the runner's ports is not the
#: job's services alone
_STARTS_CONTAINERS = re.compile(r"(?<![\w.-])(?:docker|podman|nerdctl|docker-compose|kubectl|kind|minikube|k3d)(?![\w.-])")


#: a comment started before a place on its line (YAML's and the shell's ``#`` after white space)
_COMMENTED = re.compile(r"(?:^|(?<=\s))#", re.M)


class CiDoc(ShellDoc):
    _regions: list[Region] | None = None
    kind = "ci"
    label = "run"

    def __init__(self, path: str, text: str) -> None:
        super().__init__(path, text)
        self.triton = self.triton or bool(self.command_lines())
        self._regions: list[Region] | None = None  #: read once, after the document is known

    def _parse(self) -> None:
        self.src = Y.load(self.text)
        self.scripts: list[Y.Scalar] = []  #: read as shell, editable
        self._script_ids: set[int] = set()  #: id of each scalar in scripts (an alias names one twice)
        self.report_only_scripts: list[Y.Scalar] = []  #: shell that does not map one-to-one: reported only
        self.image_nodes: set[int] = set()
        self.triton_nodes: set[int] = set()  #: nodes inside a container whose image is Triton
        self.containers: list[tuple[MappingNode | None, Node]] = []  #: (container mapping, image node)
        gitlab = os.path.basename(self.path) == ".gitlab-ci.yml"
        self.gitlab = gitlab
        #: the variables the file gives its scripts: GitHub ``env:`` (workflow, job, step), GitLab
        #: ``variables:`` (global, job)
        self.env: list[tuple[str, Word | None]] = []
        #: GitLab's ``variables:`` one by one: (name, value word, the job that sets it - None: the file's own)
        self._gitlab_vars: list[tuple[str, Word | None, MappingNode | None]] = []
        self.build_steps: list[Node | None] = []  #: the ``with:`` of each docker/build-push-action step
        #: the ``with:`` of each ``uses: docker://IMAGE`` step: its ``entrypoint`` and ``args`` run in the image
        self.docker_steps: set[int] = set()
        self._service_hosts: list[tuple[str, str]] = []  #: see ``service_hosts``
        self._hosts_of: dict[int, list[str]] = {}  #: id of a service mapping -> the names jobs reach it by
        self._gitlab_services: list[tuple[Span, str]] = []  #: see ``gitlab_services``
        self._aliases: set[str] = set()  #: the names GitLab services are given by ``alias:``
        self.jobs: list[MappingNode] = []  #: each job (GitLab: each top-level mapping but the file's keywords)
        #: the file-wide settings that reach every GitLab job (a default ``image:`` or ``services:``, ``default:``)
        self.shared_nodes: set[int] = set()
        self._other_job_spans: list[tuple[int, int]] | None = None  #: see ``_other_jobs``
        self._job_ports: set[str] = set()  #: the ports the server's jobs publish (see ``_other_jobs``)
        for root in self.src.docs:
            if gitlab or Y.get(root, "jobs") is None:
                self._gitlab(root)
            else:
                self._github(root)
        self.other_nodes: set[int] = set()  #: nodes of containers whose image is not Triton
        #: a job container or service runs a Triton server image (V1 or V2): the scripts reach it
        self.serves = False
        for mapping, image in self.containers:
            sc = self.src.scalar(image) if isinstance(image, ScalarNode) else None
            info = facts.classify(str(sc.value)) if sc is not None and sc.is_str else facts.ImageInfo()
            if info.triton and not info.sdk:
                self.serves = True
            if mapping is not None:
                if info.triton and not info.sdk:
                    self.triton_nodes |= Y.reachable(mapping)
                else:
                    self.other_nodes |= Y.reachable(mapping)
        for sc in self.scripts:
            self._script(sc)

    def _held(self, w: Word) -> list[H.Held] | None:
        """Besides what the script assigns itself (shell.py): ``trtserver ${{ env.SERVER_ARGS }}`` or
        ``trtserver $SERVER_ARGS`` with ``SERVER_ARGS`` given once by the file's ``env:`` (GitHub,
        which writes an expression's value into the script before the shell reads it) or
        ``variables:`` (GitLab: the project's or a pipeline's variables may replace it - only its
        default)."""
        got = super()._held(w)
        if got is not None or w.quote:
            return got
        m = _ENV_EXPRESSION.match(w.value) or H.VAR_REF.match(w.value)
        if m is None:
            return None
        name = next(g for g in m.groups() if g)
        # (GitHub exports ``env:`` to the step's shell as well: ``$SERVER_ARGS`` splits the same value)
        if self.gitlab and _ENV_EXPRESSION.match(w.value) or name in self.variables \
                or "GITHUB_ENV" in self.text:
            return None
        values = [v for n, v in self.env if n == name]
        uses = len(re.findall(r"(?<![\w-])" + re.escape(name) + r"(?![\w-])", self.text))
        if len(values) != 1 or values[0] is None or uses != 2:  # the key and this use
            return None
        got = H.field_words(values[0], name, quoted=True, overridable=self.gitlab)
        return [got] if got is not None else None

    # --- structure ----------------------------------------------------------------------------
    def _github(self, root: Node) -> None:
        self.env += S.env_values(self.src, Y.get(root, "env"))
        for _, job in Y.items(Y.get(root, "jobs")):
            if not isinstance(job, MappingNode):
                continue
            self.jobs.append(job)
            self.env += S.env_values(self.src, Y.get(job, "env"))
            container = Y.get(job, "container")
            self._ci_container(container)
            for key, svc in Y.items(Y.get(job, "services")):
                self._ci_container(svc)
                image = Y.get(svc, "image") if isinstance(svc, MappingNode) else None
                if Y.key_of(key) and isinstance(image, ScalarNode):  # the job's steps reach it by its key
                    self._service_hosts.append((str(Y.key_of(key)), str(image.value or "")))
                    self._hosts_of[id(svc)] = [str(Y.key_of(key))]
            steps = Y.get(job, "steps")
            for step in steps.value if isinstance(steps, SequenceNode) else []:
                if not isinstance(step, MappingNode):
                    continue
                self.env += S.env_values(self.src, Y.get(step, "env"))
                self._scripts(Y.get(step, "run"))
                uses = Y.get(step, "uses")
                if isinstance(uses, ScalarNode) and str(uses.value).startswith("docker://"):
                    self.image_nodes.add(id(uses))
                    with_ = Y.get(step, "with")
                    if isinstance(with_, MappingNode):  # ``with: {entrypoint: trtserver, args: "--model-store=..."}``
                        self.containers.append((with_, uses))
                        self.docker_steps.add(id(with_))
                image = Y.get(Y.get(step, "with"), "image")
                if isinstance(image, ScalarNode):
                    self.image_nodes.add(id(image))
                if isinstance(uses, ScalarNode) and str(uses.value).startswith("docker/build-push-action@"):
                    self.build_steps.append(Y.get(step, "with"))

    def topology(self) -> Topology:
        """Besides the scripts': the images ``docker/build-push-action`` builds (its ``tags``, one a line or
        separated by commas, for the Dockerfile of its ``context`` or ``file``)."""
        out = super().topology()
        for with_ in self.build_steps:
            tags = Y.get(with_, "tags")
            if not isinstance(tags, ScalarNode) or not isinstance(tags.value, str):
                continue
            dockerfile = self._step_dockerfile(with_)
            names = [t.strip() for line in tags.value.splitlines() for t in line.split(",") if t.strip()]
            if dockerfile is not None and names:
                out.builds.append(BuildSite(os.path.abspath(dockerfile), [], names,
                                            self.position(tags.start_index)[0]))
        return out

    def _step_dockerfile(self, with_) -> str | None:
        """The Dockerfile a ``docker/build-push-action`` step builds, in the checkout (None: none found)."""
        context, file = (Y.get(with_, k) for k in ("context", "file"))
        context = str(context.value) if isinstance(context, ScalarNode) and context.value else "."
        dockerfile = str(file.value) if isinstance(file, ScalarNode) and file.value else \
            os.path.join(context, "Dockerfile")
        return None if "$" in dockerfile else self.file_from_where_run(dockerfile)

    def build_arguments(self) -> list[BuildArgument]:
        """Besides the scripts' ``docker build --build-arg``: ``docker/build-push-action``'s ``build-args:``
        lines (``NAME=value``), for the Dockerfile of its ``context`` (or ``file``) in the checkout."""
        out = super().build_arguments()
        for with_ in self.build_steps:
            args = Y.get(with_, "build-args")
            if not isinstance(args, ScalarNode):
                continue
            dockerfile = self._step_dockerfile(with_)
            if dockerfile is None:
                continue
            sc = self.src.scalar(args)
            pos = 0
            for line in sc.value.split("\n"):
                name, eq, value = line.strip().partition("=")
                start = pos + line.index(name) + len(name) + 1 if eq else 0
                pos += len(line) + 1
                if not eq or not name or not value or "$" in value:
                    continue
                offs = sc.offsets[start:start + len(value)] if sc.offsets is not None else None
                editable = offs is not None and offs[-1] - offs[0] == len(value) - 1
                span = Span(offs[0], offs[-1] + 1) if offs is not None else Span(sc.start, sc.end)
                out.append(BuildArgument(name, value, span, dockerfile, editable))
        return out

    def _ci_container(self, node: Node | None) -> None:
        """A job container or service: a string image, or a mapping with ``image:``/``name:``."""
        if isinstance(node, ScalarNode):
            self.image_nodes.add(id(node))
            self.containers.append((None, node))
        elif isinstance(node, MappingNode):
            image = Y.get(node, "image")
            if image is None:
                image = Y.get(node, "name")  # GitLab's long form
            if isinstance(image, ScalarNode):
                self.image_nodes.add(id(image))
                self.containers.append((node, image))

    def _gitlab_service_hosts(self, svc: Node) -> None:
        """The names a GitLab job reaches a service container by: its ``alias`` (names separated by commas), and
        the names GitLab derives from its image (``acme/api:1`` -> ``acme-api``, ``acme__api``)."""
        image = Y.get(svc, "name") if isinstance(svc, MappingNode) else svc
        if not isinstance(image, ScalarNode) or not isinstance(image.value, str):
            return
        ref = image.value.strip()
        names = list(gitlab_service_names(ref))[::-1]
        sc = self.src.scalar(image)
        self._gitlab_services.append((Span(sc.start, sc.end), ref))
        alias = Y.get(svc, "alias") if isinstance(svc, MappingNode) else None
        if isinstance(alias, ScalarNode) and isinstance(alias.value, str):
            names += [a.strip() for a in alias.value.split(",") if a.strip()]
            self._aliases.update(a.strip() for a in alias.value.split(",") if a.strip())
        self._service_hosts += [(n, ref) for n in dict.fromkeys(names) if n]
        if isinstance(svc, MappingNode):
            self._hosts_of[id(svc)] = [n for n in dict.fromkeys(names) if n]

    def gitlab_services(self) -> list[tuple[Span, str]]:
        """Where each GitLab service's image is written (the scalar, quotes and all) and the reference it holds: the
        jobs reach the service by the names GitLab derives from it (``gitlab_service_names``)."""
        return list(self._gitlab_services)

    def service_aliases(self) -> frozenset[str]:
        """The names the file's GitLab services are given by ``alias:`` (they stay when an image moves)."""
        return frozenset(self._aliases)

    def host_uses(self, name: str) -> list[Span]:
        """Where the file names the host ``name`` (a name GitLab derives from a service's image), anywhere in it
        (scripts, ``variables:``, ``command:``; not in a comment, which is never rewritten): as a
        URL's host (``//NAME``, ``@NAME``), before a port (``NAME:8000``), or - a name no word or folder reads
        as, holding ``__`` or a registry's ``.`` - standing alone (``-u NAME``, ``HOST: NAME``); never as part of
        a longer name or of a path."""
        if not name:
            return []
        n = re.escape(name)
        end = r"(?![\w-]|\.[\w-])"
        forms = [rf"(?<=//){n}{end}", rf"(?<=@){n}{end}", rf"(?<![\w./@-]){n}(?=:\d+(?![\w.-]))"]
        if "__" in name or "." in name:
            forms.append(rf"(?<![\w./@-]){n}{end}(?!/)")
        text = self.text
        return [Span(m.start(), m.end()) for m in re.finditer("|".join(forms), text)
                if not _COMMENTED.search(text, text.rfind("\n", 0, m.start()) + 1, m.start())]

    def service_hosts(self) -> list[tuple[str, str]]:
        """(host, image) of each job's service container: the names its scripts reach it by."""
        return list(self._service_hosts)

    def line_hosts(self, cl: CommandLine) -> list[str]:
        """The names the jobs reach the service container that runs the server line ``cl`` by (its GitLab
        ``alias`` and the names GitLab derives from its image, its GitHub key; none for a script's line)."""
        self.command_lines()
        return list(self._line_hosts.get(line_key(cl), ()))

    def _gitlab(self, root: Node) -> None:
        if not isinstance(root, MappingNode):
            return
        jobs = [root] + [v for _, v in Y.items(root) if isinstance(v, MappingNode)]
        for k, v in Y.items(root):
            if not isinstance(v, MappingNode):
                continue
            if Y.key_of(k) in _GITLAB_KEYWORDS:
                self.shared_nodes |= Y.reachable(v)
            else:
                self.jobs.append(v)
        for key in ("image", "services"):
            node = Y.get(root, key)
            if node is not None:
                self.shared_nodes |= Y.reachable(node)
        for job in jobs:
            values = S.env_values(self.src, Y.get(job, "variables"))
            self.env += values
            self._gitlab_vars += [(n, w, None if job is root else job) for n, w in values]
            self._ci_container(Y.get(job, "image"))
            services = Y.get(job, "services")
            for svc in services.value if isinstance(services, SequenceNode) else []:
                self._ci_container(svc)
                self._gitlab_service_hosts(svc)
            for key in _SCRIPT_KEYS:
                self._scripts(Y.get(job, key))

    def _scripts(self, node: Node | None) -> None:
        """A script scalar, or a list of them (nested lists come from aliases); ``!reference``
        lists name other jobs' scripts and are not scripts themselves."""
        if node is None or not node.tag.startswith("tag:yaml.org"):
            return
        if isinstance(node, ScalarNode):
            sc = self.src.scalar(node)
            if sc.is_str and sc.value and id(sc) not in self._script_ids:
                self._script_ids.add(id(sc))
                self.scripts.append(sc)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                self._scripts(item)

    def _script(self, sc: Y.Scalar) -> None:
        offs = sc.offsets
        if offs is None:
            self.report_only_scripts.append(sc)
            return
        t = self.text
        if any(t[o] != c and not (c == "\n" and t.startswith("\r\n", o)) for o, c in zip(offs, sc.value)) \
                or any(not t.startswith("\r\n", o) for o in sc.irregular):
            # read as the shell reads it, to report; annotate() drops the fixes
            self.report_only_scripts.append(sc)
        syntax = Q.YamlShellSyntax(self.src, sc)
        lexed = self._lex(crlf_as_lf(sc.value), offs, sc.start, strict=False)
        if lexed is None:
            if evidence.strong(sc.value.encode("utf-8", "replace")):
                self._lex(crlf_as_lf(sc.value), offs, sc.start, strict=True)  # raises with the line
            if sc not in self.report_only_scripts:
                self.report_only_scripts.append(sc)
            return
        self.excluded.extend(lexed.comments)
        self._walk(lexed.tokens, syntax, self.label, None, 0, top=True)
        if sc not in self.report_only_scripts:
            self._heredocs(lexed.tokens, lexed.heredocs, 1)

    # --- jobs ---------------------------------------------------------------------------------
    def _other_jobs(self) -> list[tuple[int, int]]:
        """The spans of the jobs that do not reach the server, in a file where another job runs it: a job runs on a
        runner of its own, so its steps reach another job's service or container only by a host that names it or a
        port that job publishes (``_in_other_job``). Empty when no job runs the server (the file's context is read as
        a whole), or a GitLab file's default image or services run it (every job has them)."""
        if self._other_job_spans is not None:
            return self._other_job_spans
        self._other_job_spans = []
        if not self.jobs or self.shared_nodes & self.triton_nodes:
            return self._other_job_spans
        starts = sorted(w.start for cl in self.command_lines() for seg in cl.segments for w in seg.words[:1])
        # variables of the file (or the GitLab defaults) that name the server, which any job may use
        in_jobs = set().union(*(Y.reachable(j) for j in self.jobs))
        named = [Y.key_of(k) or "" for m in self.src.nodes() if isinstance(m, MappingNode)
                 for key, vars_ in Y.items(m) if Y.key_of(key) in ("env", "variables") and isinstance(vars_, MappingNode)
                 and id(vars_) not in in_jobs
                 for k, v in Y.items(vars_) if isinstance(v, ScalarNode) and isinstance(v.value, str)
                 and evidence.strong(v.value.encode("utf-8", "replace"))]
        spans: list[tuple[int, int, bool]] = []
        for job in self.jobs:
            start, end = job.start_index, Y.node_end(self.src, job)
            body = self.text[start:end]
            serves = bool(Y.reachable(job) & self.triton_nodes) or bisect.bisect_left(starts, start) < bisect.bisect_left(starts, end) \
                or evidence.strong(body.encode("utf-8", "replace")) \
                or self.gitlab and Y.get(job, "extends") is not None \
                or any(re.search(r"(?<![\w-])" + re.escape(n) + r"(?![\w-])", body) for n in named if n)
            spans.append((start, end, serves))
            if serves:
                self._job_ports |= set(_PUBLISHED.findall(body))
                self._job_ports |= {str(p.value).split(":")[-2] if str(p.value).count(":") else str(p.value)
                                    for n in Y.walk(job, set()) if isinstance(n, MappingNode)
                                    for key, ports in Y.items(n) if Y.key_of(key) == "ports"
                                    and isinstance(ports, SequenceNode)
                                    for p in ports.value if isinstance(p, ScalarNode)}
        if any(serves for *_, serves in spans):
            self._other_job_spans = [(a, b) for a, b, serves in spans if not serves]
        return self._other_job_spans

    def job_text(self, offset: int) -> str | None:
        """The text of the job that holds ``offset``, with what the file writes outside its jobs (None: no job holds
        it). A job runs on a runner of its own: what another job runs (``perf_analyzer``) says nothing of it."""
        if getattr(self, "_job_texts", None) is None:
            spans = sorted((job.start_index, Y.node_end(self.src, job)) for job in self.jobs)
            outside, pos = [], 0
            for a, b in spans:
                outside.append(self.text[pos:a])
                pos = max(pos, b)
            outside.append(self.text[pos:])
            shared = "".join(outside)
            self._job_texts = [(a, b, self.text[a:b] + "\n" + shared) for a, b in spans]
        return next((t for a, b, t in self._job_texts if a <= offset < b), None)

    def _job_at(self, offset: int) -> MappingNode | None:
        """The job whose mapping holds ``offset`` (the jobs are siblings: found by bisection over where they start
        and end, read once)."""
        if getattr(self, "_job_spans", None) is None:
            self._job_spans = sorted((j.start_index, Y.node_end(self.src, j), k) for k, j in enumerate(self.jobs))
            self._job_starts = [a for a, _, _ in self._job_spans]
        i = bisect.bisect_right(self._job_starts, offset) - 1
        if i < 0 or offset >= self._job_spans[i][1]:
            return None
        return self.jobs[self._job_spans[i][2]]

    def runner_services(self, offset: int) -> list[tuple[str, list[tuple[str | None, str]]]] | None:
        """The service containers of the GitHub job that holds ``offset``, when its steps run on the runner itself
        and reach them at ``localhost`` on the ports they publish: each service's image and its ``ports`` as
        (host port or None, container port). None when the file cannot say what ``localhost`` is there: a GitLab
        file (its jobs reach services by their names), no job, a job that runs in a ``container:`` (its
        ``localhost`` is that container), or a job whose steps start a server or containers of their own."""
        if self.gitlab:
            return None
        job = self._job_at(offset)
        if job is None or Y.get(job, "container") is not None:
            return None
        start, end = job.start_index, Y.node_end(self.src, job)
        steps = Y.get(job, "steps")
        if any(start <= w.start < end for cl in self.command_lines() for seg in cl.segments for w in seg.words[:1]) \
                or any(start <= sc.start < end and _STARTS_CONTAINERS.search(sc.value)
                       for sc in self.scripts + self.report_only_scripts) \
                or any(isinstance(step, MappingNode) and isinstance(Y.get(step, "uses"), ScalarNode)
                       and str(Y.get(step, "uses").value).startswith("docker://")
                       for step in (steps.value if isinstance(steps, SequenceNode) else [])):
            return None
        out = []
        for _, svc in Y.items(Y.get(job, "services")):
            image = Y.get(svc, "image") if isinstance(svc, MappingNode) else None
            if not isinstance(image, ScalarNode) or not isinstance(image.value, str):
                return None
            ports = Y.get(svc, "ports")
            entries = [publish_ports(str(p.value)) for p in ports.value if isinstance(p, ScalarNode)] \
                if isinstance(ports, SequenceNode) else []
            out.append((image.value, [e for e in entries if e is not None]))
        return out

    def container_options(self, offset: int) -> str | None:
        """The image of the GitHub job container or service whose ``options`` hold ``offset``: docker runs what they
        give (``--health-cmd "curl -f http://localhost:8000/..."``) inside that container, where ``localhost`` is
        the container's own; None elsewhere."""
        if self.gitlab:
            return None
        spans = self.__dict__.get("_option_spans")
        if spans is None:  # once per document, sorted by start: one look per URL, not one per container
            spans = []
            for mapping, image in self.containers:
                options = Y.get(mapping, "options") if mapping is not None else None
                if isinstance(options, ScalarNode) and isinstance(image, ScalarNode):
                    spans.append((options.start_index, Y.node_end(self.src, options), str(image.value)))
            spans.sort()
            self._option_spans = spans
        i = bisect.bisect_right(spans, (offset, float("inf"), "")) - 1
        return spans[i][2] if i >= 0 and spans[i][0] <= offset < spans[i][1] else None

    def _in_other_job(self, offset: int, text: str) -> bool:
        """``offset`` stands in a job that does not reach the server (``_other_jobs``) and ``text`` names no port
        the server's job publishes."""
        if not any(a <= offset < b for a, b in self._other_jobs()):
            return False
        return not any(re.search(r":" + re.escape(p) + r"(?!\d)", text) for p in self._job_ports if p)

    # --- regions ------------------------------------------------------------------------------
    def _scalar_regions(self) -> list[Region]:
        Y.mark_keys(self.src)
        script_ids = {id(sc.node) for sc in self.scripts}
        report_ids = {id(sc.node) for sc in self.report_only_scripts}
        excluded = sorted((sp.start, sp.end) for sp in self.excluded)
        # a file that runs the server, or a job container or service of its image (V2 too: the steps
        # that call it on its published port keep V1 paths after the image moved)
        runs = getattr(self, "triton", False) or self.serves
        out: list[Region] = []
        for node in self.src.nodes():
            if not isinstance(node, ScalarNode) or node.is_key:
                continue
            sc = self.src.scalar(node)
            if not sc.is_str or not sc.value:
                continue
            label = node.parent_key or ""
            here = runs and not self._in_other_job(sc.start, sc.value)
            if id(node) in report_ids and sc.offsets is None:
                out.append(Region(self.text[sc.start:sc.end], base=sc.start, triton=here, shell=True, label=label))
                continue
            if sc.offsets is None:
                Y.refuse_unmapped(self.src, sc)
                continue
            if id(node) in script_ids or id(node) in report_ids:
                out.extend(_cut(sc.value, sc.offsets, excluded, label, here))
                continue
            text, offsets = sc.value, sc.offsets
            if id(node) in self.image_nodes and text.startswith("docker://"):
                text, offsets = text[len("docker://"):], offsets[len("docker://"):]
            # weak evidence counts in a Triton container's values and, in a file that runs the
            # server, everywhere but in other containers (a database service's health check)
            triton = id(node) in self.triton_nodes or (here and id(node) not in self.other_nodes)
            out.append(Region(text, offsets=offsets, triton=triton, image_context=id(node) in self.image_nodes,
                              label=label))
        return out

    def _has_strong_evidence(self) -> bool:
        text = "\n".join(r.text for r in self._scalar_regions())
        return evidence.strong(_NAMED_BINARY.sub("-", text).encode("utf-8", "replace"))

    def regions(self) -> list[Region]:
        """(read once: every rule asks)"""
        if self._regions is None:
            self._regions = self._read_regions()
        return self._regions

    def _read_regions(self) -> list[Region]:
        heredocs = self._heredoc_regions()
        for r in heredocs:
            r.triton = r.triton and not self._in_other_job(r.off(0), r.text)
        return self._scalar_regions() + heredocs

    # --- commands -----------------------------------------------------------------------------
    def _service_segments(self):
        for mapping, _image in self.containers:
            if mapping is None:
                continue
            entry = S.segment(self.src, Y.get(mapping, "entrypoint"), "entrypoint")
            key = "args" if id(mapping) in self.docker_steps else "command"
            cmd = S.segment(self.src, Y.get(mapping, key), key)
            if entry is not None or cmd is not None:
                yield mapping, entry, cmd

    def _reported(self, offset: int) -> bool:
        """``offset`` lies in a script that is read but not edited."""
        return any(sc.start <= offset < sc.end for sc in self.report_only_scripts)

    def _all_commands(self) -> list[CommandSite]:
        out = super().commands()
        for mapping, entry, cmd in self._service_segments():
            triton = id(mapping) in self.triton_nodes
            for seg in (entry, cmd):
                if seg is not None:
                    out.append(CommandSite(seg.words, seg, triton, self.text))
            out.extend(S.nested_sites(self.src, [entry, cmd], self.text, triton))
        return out

    def commands(self) -> list[CommandSite]:
        return self._all_commands()

    def command_lines(self) -> list[CommandLine]:
        """Every server line; those in folded or escaped scripts are read but only reported."""
        if getattr(self, "_every_line", None) is not None:
            return self._every_line
        out = list(super().command_lines())
        for cl in out:
            if not cl.images and cl.binary is not None and cl.label == self.label and cl.extra.get("docker") is None:
                image = self._job_image(cl.binary.start)  # a script's own line runs in its job's image
                if image is not None:
                    cl.images = (image,)
        self._line_hosts: dict[tuple, list[str]] = {}
        for mapping, entry, cmd in self._service_segments():
            if id(mapping) not in self.triton_nodes:
                for seg in (entry, cmd):  # the server binary named in another image's command
                    if seg is not None and C.server_word(seg.words) is not None:
                        break
                else:
                    continue
            v1 = any(id(img) in self.triton_nodes and facts.classify(str(img.value)).v1
                     for m, img in self.containers if m is mapping)
            lines = S.server_lines(self.src, entry, cmd, v1, {})
            image = next((img for m, img in self.containers if m is mapping), None)
            if isinstance(image, ScalarNode):  # the image the service (or ``docker://`` step) runs the line on
                sc = self.src.scalar(image)
                for cl in lines:
                    cl.images = (Span(sc.start, sc.end),)
            for cl in lines:
                self._line_hosts[line_key(cl)] = self._hosts_of.get(id(mapping), [])
            out.extend(lines)
        for cl in out:
            w = cl.binary or next((w for seg in cl.segments for w in seg.words), None)
            cl.report_only = w is not None and self._reported(w.start)
        self._every_line = out
        return out

    def _job_image(self, offset: int) -> Span | None:
        """Where the Triton image is written that a script line at ``offset`` runs in: its job's ``image:`` (GitLab;
        else the file's ``image:`` or ``default: image:``) or ``container:`` (GitHub). None: another image, none
        written, or a GitLab job that may take it from the job it ``extends``."""
        job = self._job_at(offset)
        if job is None:
            return None
        if not self.gitlab:
            node = Y.get(job, "container")
        else:
            node = Y.get(job, "image")
            if node is None and Y.get(job, "extends") is None:
                root = next((r for r in self.src.docs if isinstance(r, MappingNode)
                             and r.start_index <= offset < Y.node_end(self.src, r)), None)
                node = Y.get(root, "image") if Y.get(root, "image") is not None else Y.get(Y.get(root, "default"), "image")
        if isinstance(node, MappingNode):
            node = Y.get(node, "image") if not self.gitlab else Y.get(node, "name")
        if not isinstance(node, ScalarNode) or not isinstance(node.value, str) \
                or not facts.classify(node.value.strip()).triton:
            return None
        sc = self.src.scalar(node)
        return Span(sc.start, sc.end)

    # --- report-only scripts, variables ---------------------------------------------------------
    def tag_variable(self, name: str) -> tuple[str, Span] | tuple[str, Span, str] | None:
        """Besides a script's own variable (shell.py): a GitLab ``variables:`` entry used only as image tags
        (``services: [{name: "nvcr.io/nvidia/tensorrtserver:${TRTIS_TAG}"}]`` with ``variables: {TRTIS_TAG:
        20.02-py3}``: GitLab expands it in ``image:`` and ``services:``). Set once in the file, a release written
        as it reads, by the file itself (every job has it) or by the one job that holds every use of it; the
        project's, group's or a pipeline's variables take precedence, so the value is where to set it in the file
        only (third: where else to set it)."""
        got = super().tag_variable(name)
        if got is not None or not self.gitlab or name in self.variables:
            return got
        defs = [(w, job) for n, w, job in self._gitlab_vars if n == name]
        if len(defs) != 1 or defs[0][0] is None:
            return None
        w, job = defs[0]
        if w.dynamic or not _RELEASE.fullmatch(w.value) or w.offsets[-1] - w.offsets[0] != len(w.value) - 1:
            return None
        use = r"\$\{?" + re.escape(name) + r"(?!\w)"
        if not used_only_as_image_tag([self.text], use, r"\$\{?" + re.escape(name) + r"\}?"):
            return None
        if job is not None:  # a job's own variable: only that job has it
            end = Y.node_end(self.src, job)
            if any(not job.start_index <= m.start() < end for m in re.finditer(use, self.text)):
                return None
        elif any(Y.get(Y.get(j, "inherit"), "variables") is not None for j in self.jobs):
            return None  # a job that does not inherit the file's variables (``inherit: {variables: false}``)
        return (w.value, w.sub(0, len(w.value)),
                f"a project's, group's or pipeline's CI/CD variable {name} takes precedence over the file's: "
                f"if one sets it, set the new tag there as well")

    def report_only(self) -> list[tuple[int, int, str]]:
        return [(sc.start, sc.end, " (in a folded or escaped YAML script: not changed, edit it by hand)")
                for sc in self.report_only_scripts] + super().report_only()

    def env_definitions(self) -> list[tuple[str, Span]]:
        """``variables:``/``env:`` that set a V1 variable: the V2 image sets another name."""
        out = []
        seen: set[int] = set()
        for node in self.src.nodes():
            if not isinstance(node, MappingNode):
                continue
            for k, v in node.value:
                if Y.key_of(k) not in ("variables", "env") or not isinstance(v, MappingNode):
                    continue
                for name_node, _ in v.value:
                    name = Y.key_of(name_node)
                    if name is None or id(name_node) in seen or not isinstance(name_node, ScalarNode):
                        continue
                    seen.add(id(name_node))
                    sc = self.src.scalar(name_node)
                    out.append((name, Span(sc.start, sc.end)))
        return out

    # --- verification -------------------------------------------------------------------------
    def same_structure(self, new: "CiDoc") -> str | None:
        return Y.same_structure(self.src, new.src, EDITABLE_SEQUENCES, lists=S.line_words(self.command_lines())) or super().same_structure(new)


def _cut(value: str, offsets: list[int], excluded: list[tuple[int, int]], label: str,
         triton: bool) -> list[Region]:
    """``value`` without the characters that sit in comments (or report-only here-documents)."""
    out: list[Region] = []
    start = None
    lo, hi = (offsets[0], offsets[-1]) if offsets else (0, 0)
    spans = [(a, b) for a, b in excluded if b > lo and a <= hi]
    starts = [a for a, _ in spans]
    for i, o in enumerate(offsets):
        k = bisect.bisect_right(starts, o) - 1
        inside = k >= 0 and any(a <= o < b for a, b in spans[max(0, k - 8):k + 1])
        if inside and start is not None:
            out.append(Region(value[start:i], offsets=offsets[start:i], shell=True, label=label, triton=triton))
            start = None
        elif not inside and start is None:
            start = i
    if start is not None:
        out.append(Region(value[start:], offsets=offsets[start:], shell=True, label=label, triton=triton))
    return out


def gitlab_service_names(ref: str) -> tuple[str, str]:
    """The host names GitLab gives a service written without ``alias:`` (and besides one): its image
    ``ref`` without the tag or digest, each ``/`` written ``__`` (the primary name) and ``-`` (the secondary):
    ``nvcr.io/nvidia/tritonserver:24.10-py3`` -> ``nvcr.io__nvidia__tritonserver``, ``nvcr.io-nvidia-tritonserver``."""
    base = ref.strip().rsplit("@", 1)[0]
    base = base.rsplit(":", 1)[0] if ":" in base.rsplit("/", 1)[-1] else base
    return base.replace("/", "__"), base.replace("/", "-")
