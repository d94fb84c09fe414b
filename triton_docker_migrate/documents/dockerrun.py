"""Containers started from a shell line: ``docker run`` / ``podman run`` / ``nerdctl run`` (and
``create``, and ``docker service create``), ``kubectl run``, and the remote command of ``ssh``, read from the words of one simple
command: the run's options (those that take a value, bundled short flags), its image, its
``--entrypoint`` and the command after the image; and the host ports ``kubectl port-forward`` opens."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from typing import Callable

from .. import facts
from ..syntax.shellwords import Word
from .commands import is_server_word
from .sites import ExecSite, ForwardSite

DOCKER_BINS = {"docker", "nvidia-docker", "podman", "nerdctl"}
#: variables that conventionally name the container CLI (``$(DOCKER) run``)
DOCKER_VAR = re.compile(r"^(?:DOCKER(?:_?(?:CMD|CLI|BIN|EXE))?|PODMAN|CONTAINER_(?:TOOL|ENGINE|CLI|RUNTIME)|OCI_BIN)$")
#: flags of `docker`/`podman` itself (before the sub-command) that take a value
_GLOBAL_VALUE = {"-H", "--host", "-c", "--context", "--config", "-l", "--log-level", "--tlscacert",
                 "--tlscert", "--tlskey", "--url", "--connection", "--root", "--runroot", "--storage-driver",
                 "--cgroup-manager", "--events-backend", "--runtime", "--identity", "--remote"}
#: `docker run` / `podman run` flags that take no value (everything else does)
_RUN_BOOL_LONG = {
    "--rm", "--detach", "--interactive", "--tty", "--privileged", "--init", "--publish-all", "--read-only",
    "--no-healthcheck", "--oom-kill-disable", "--disable-content-trust", "--sig-proxy", "--quiet", "--help",
    "--use-api-socket", "--replace", "--rmi", "--no-hosts", "--http-proxy", "--env-host", "--read-only-tmpfs",
    "--passwd", "--no-hostname", "--tls-verify",
    "--no-resolve-image", "--with-registry-auth",  # docker service create
}
#: short flags that take a value (-p 80:80, -p80:80); the others (-d -i -t -P -q) take none
_RUN_VALUE_SHORT = set("acehlmpuvw")


@dataclass
class DockerRun:
    """One ``docker run`` (or ``create``): its option words, image, entrypoint and command."""

    words: list[Word]  #: the whole docker command, from the docker word on
    options: list[tuple[Word, Word | None, str, str | None]] = field(default_factory=list)
    #: (option word, separate value word or None, option name, value)
    image: Word | None = None
    info: facts.ImageInfo = field(default_factory=facts.ImageInfo)
    entry: Word | None = None  #: the --entrypoint value (a sub-word of ``--entrypoint=x``)
    after: list[Word] = field(default_factory=list)  #: the words after the image


def sub_word(w: Word, k: int) -> Word:
    """``w.value[k:]`` as a word of its own (the value of ``--opt=value``)."""
    if k >= len(w.value):
        return Word(w.inner_end, w.inner_end, "", [], w.dynamic, "", w.inner_end)
    return Word(w.offsets[k], w.end, w.value[k:], w.offsets[k:], w.dynamic and "$" in w.value[k:], "",
                w.inner_end)


def parse_docker_run(words: list[Word], at: int, is_docker=None,
                     resolve: Callable[[str], str] | None = None) -> DockerRun | None:
    """``words[at]`` is docker/podman: the run it describes, or None when it is another sub-command.
    ``resolve``: a word's value with the document's own variables put in (``$IMAGE`` -> its image)."""
    n = len(words)
    i = at + 1
    while i < n and words[i].value.startswith("-"):
        v = words[i].value
        i += 2 if v in _GLOBAL_VALUE else 1
    service = i < n and words[i].value == "service"  # a Swarm service runs IMAGE [COMMAND] [ARG...] too
    if i < n and words[i].value in ("container", "service"):
        i += 1
    if i >= n or words[i].value not in (("create",) if service else ("run", "create")):
        return None
    dr = DockerRun(words[at:])
    i += 1
    while i < n:
        w = words[i]
        v = w.value
        if v == "--":
            i += 1
            break
        if not v.startswith("-") or v == "-":
            if w.is_whole_expansion and _options_before_image(words, i, resolve):
                i += 1  # $DOCKER_ARGS before the image
                continue
            break
        if v.startswith("--"):
            name, eq, value = v.partition("=")
            if eq:
                dr.options.append((w, None, name, value))
                if name == "--entrypoint":
                    dr.entry = sub_word(w, len(name) + 1)
                i += 1
                continue
            if name in _RUN_BOOL_LONG:
                dr.options.append((w, None, name, None))
                i += 1
                continue
            vw = words[i + 1] if i + 1 < n else None
            dr.options.append((w, vw, name, vw.value if vw else None))
            if name == "--entrypoint" and vw is not None:
                dr.entry = vw
            i += 2
            continue
        # short flags, possibly bundled (-it, -p8000:8000, -itp 80:80)
        letters = v[1:]
        took_next = False
        for k, ch in enumerate(letters):
            if ch in _RUN_VALUE_SHORT:
                rest = letters[k + 1:]
                if rest:
                    dr.options.append((w, None, "-" + ch, rest.lstrip("=")))
                else:
                    vw = words[i + 1] if i + 1 < n else None
                    dr.options.append((w, vw, "-" + ch, vw.value if vw else None))
                    took_next = True
                break
            dr.options.append((w, None, "-" + ch, None))
        i += 2 if took_next else 1
    if i < n:
        dr.image = words[i]
        dr.after = words[i + 1:]
    if dr.entry is not None and dr.entry.value == "":
        dr.entry = None
    return dr


def parse_kubectl_run(words: list[Word], at: int) -> DockerRun | None:
    """``kubectl run NAME --image=IMG [--command] -- CMD...``: the pod's container as a run."""
    n = len(words)
    if at + 1 >= n or words[at + 1].value != "run":
        return None
    dr = DockerRun(words[at:])
    i = at + 2
    while i < n and words[i].value != "--":
        v = words[i].value
        if v.startswith("--image="):
            dr.image = sub_word(words[i], len("--image="))
        elif v == "--image" and i + 1 < n:
            dr.image = words[i + 1]
            i += 1
        i += 1
    if dr.image is None or i >= n:
        return None
    dr.after = words[i + 1:]
    return dr


#: ``kubectl port-forward`` targets: the kinds a ``KIND/NAME`` may name, by their short names too
_FORWARD_KINDS = {"svc": "service", "service": "service", "services": "service", "deploy": "deployment",
                  "deployment": "deployment", "deployments": "deployment", "sts": "statefulset",
                  "statefulset": "statefulset", "statefulsets": "statefulset", "rs": "replicaset",
                  "replicaset": "replicaset", "po": "pod", "pod": "pod", "pods": "pod"}


#: kubectl's options that take the next word as their value (besides the namespace and the container)
_KUBECTL_VALUED = ("--address", "--pod-running-timeout", "--context", "--kubeconfig", "--cluster", "--user")


def _kubectl(values: list[str], verb: str) -> tuple[str | None, str | None, list[str], int] | None:
    """``kubectl [options] VERB [options] ARGS... [-- CMD...]``: (namespace, container, the other
    arguments, where ``--`` stands or the end), or None for any other command."""
    k = next((i for i, w in enumerate(values) if w.rpartition("/")[2] == "kubectl"), None)
    if k is None or verb not in values[k + 1:]:
        return None
    end = values.index("--", k + 1) if "--" in values[k + 1:] else len(values)
    namespace = container = None
    args: list[str] = []
    i = k + 1
    while i < end:
        w = values[i]
        if w in ("-n", "--namespace", "-c", "--container") and i + 1 < end:
            if w in ("-n", "--namespace"):
                namespace = values[i + 1]
            else:
                container = values[i + 1]
            i += 2
            continue
        if w.startswith("--namespace="):
            namespace = w.partition("=")[2]
        elif w.startswith("--container="):
            container = w.partition("=")[2]
        elif w.startswith("-n") and len(w) > 2 and not w.startswith("--"):
            namespace = w[2:]
        elif w in _KUBECTL_VALUED and i + 1 < end:
            i += 2
            continue
        elif w != verb and not w.startswith("-"):
            args.append(w)
        i += 1
    return namespace, container, args, end


def _target(target: str) -> tuple[str | None, str]:
    """``KIND/NAME`` (a pod by its name alone): the kind by its full name, and the name."""
    kind, slash, name = target.partition("/")
    if not slash:
        kind, name = "pod", target
    return _FORWARD_KINDS.get(kind.lower().split(".")[0]), name


def port_forward(words: list[str]) -> ForwardSite | None:
    """``kubectl [-n NS] port-forward [-n NS] KIND/NAME [HOST:]PORT ...``: the ports of the host it
    forwards (a random host port, ``:PORT``, is none), or None for any other command."""
    got = _kubectl(words, "port-forward")
    if got is None or not got[2]:
        return None
    namespace, _container, (target, *rest), _end = got
    ports = []
    for w in rest:
        local, colon, remote = w.partition(":")
        if not colon:
            local = remote = w
        if local.isdigit() and remote:
            ports.append((local, remote))
    if not ports:
        return None
    kind, name = _target(target)
    return ForwardSite(kind, name, namespace, ports) if kind and name else None


def kubectl_exec(words: list[Word]) -> ExecSite | None:
    """``kubectl [-n NS] exec [-n NS] [-c C] [-it] KIND/NAME -- CMD...``: where the command runs and its
    offsets, or None for any other command."""
    values = [w.value for w in words]
    got = _kubectl(values, "exec")
    if got is None or got[3] == len(values):
        return None
    namespace, container, args, end = got
    if not args or end + 1 >= len(words) or "$" in args[0]:
        return None
    kind, name = _target(args[0])
    if not kind or not name:
        return None
    return ExecSite(kind, name, namespace, container, words[end + 1].start, words[-1].end)


#: ``docker exec`` flags that take a value (the others - ``-d -i -t --privileged`` - take none)
_EXEC_VALUE = {"-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir", "--detach-keys"}
#: ``docker compose`` flags (before ``exec``) and ``exec`` flags that take a value
_COMPOSE_VALUE = {"-f", "--file", "-p", "--project-name", "--project-directory", "--env-file", "--profile", "--ansi",
                  "--progress", "--parallel", "-e", "--env", "-u", "--user", "-w", "--workdir", "--index"}


def docker_exec(words: list[Word], any_name: bool = False) -> ExecSite | None:
    """``docker [container] exec [options] NAME CMD...`` (kind ``container``), ``docker compose [options] exec
    [options] SERVICE CMD...`` and ``docker-compose ... exec ...`` (kind ``compose``): where the command runs and
    its offsets, or None for any other command. ``docker compose run`` starts a container of its own: not one.
    ``any_name``: also when the container's name is known only at run time (``${{ job.services.x.id }}``)."""
    values = [w.value for w in words]
    k = next((i for i, v in enumerate(values) if v.rpartition("/")[2] in DOCKER_BINS | {"docker-compose"}), None)
    if k is None:
        return None
    compose = values[k].rpartition("/")[2] == "docker-compose"
    i = k + 1
    while i < len(values) and values[i].startswith("-"):  # ``docker -H x``, ``docker-compose -f x``
        i += 2 if values[i] in (_COMPOSE_VALUE if compose else _GLOBAL_VALUE) else 1
    if not compose and i < len(values) and values[i] == "compose":
        compose = True
        i += 1
        while i < len(values) and values[i].startswith("-"):
            i += 2 if values[i] in _COMPOSE_VALUE else 1
    elif not compose and i < len(values) and values[i] == "container":
        i += 1
    if i >= len(values) or values[i] != "exec":
        return None
    i += 1
    valued = _COMPOSE_VALUE if compose else _EXEC_VALUE
    while i < len(values) and values[i].startswith("-"):
        i += 2 if values[i] in valued else 1
    if i + 1 >= len(words) or words[i].dynamic and not any_name or not values[i]:
        return None
    return ExecSite("compose" if compose else "container", values[i], None, None, words[i + 1].start, words[-1].end)


_SSH_FLAGS = set("46AaCfGgKkMNnqsTtVvXxYy")


def ssh_command(words: list[Word], at: int) -> int | None:
    """Index of the first word of the remote command of ``ssh [options] host command...``."""
    i = at + 1
    n = len(words)
    while i < n and words[i].value.startswith("-") and len(words[i].value) > 1:
        v = words[i].value
        i += 1
        if not all(c in _SSH_FLAGS for c in v[1:]) and len(v) == 2:
            i += 1  # -p 22, -i key, -o Opt=v
    i += 1  # the host
    return i if i < n else None


def _looks_like_image(v: str) -> bool:
    """A literal image reference (``registry/name:tag``); never a path (``/opt/.../trtserver``, ``./run``),
    which a command after the image is."""
    return bool(v) and v[0] not in "-/." and "$" not in v and ("/" in v or ":" in v)


def _options_before_image(words: list[Word], i: int, resolve: Callable[[str], str] | None) -> bool:
    """``words[i]``, an expansion where the run's options are (``$GPU_FLAGS``), holds options, not the image:
    the next word is an image (written, or a variable of the document's whose value is a Triton image), or
    a later word is the server binary run as the command of another word than this one
    (``$GPU_FLAGS $(TRTIS_IMAGE) trtserver``)."""
    v = words[i].value
    if i + 1 < len(words):
        nxt = words[i + 1].value
        if _looks_like_image(nxt) and not _looks_like_image(v):
            return True
        if resolve is not None and words[i + 1].is_whole_expansion:
            own = resolve(v).strip()
            if facts.classify(resolve(nxt)).triton and not _looks_like_image(own) \
                    and not facts.classify(own).triton:
                return True
    # the first server binary that is no option's value (``--name trtserver``): the word before it is the
    # image when it may be one (not ``env X=1 trtserver``, the command after the image)
    for k in range(i + 1, len(words)):
        if is_server_word(words[k]) and not words[k - 1].value.startswith("-"):
            image = words[k - 1]
            return k - 1 > i and (image.is_whole_expansion or _looks_like_image(image.value))
    return False


def publish_ports(value: str) -> tuple[str | None, str] | None:
    """``[ip:][host:]container[/proto]`` -> (host port or None, container port)."""
    if not value:
        return None
    v = value.split("/")[0]
    if v.startswith("["):  # [::1]:8000:8000
        close = v.find("]")
        v = v[close + 2:] if close >= 0 else v
    parts = v.rsplit(":", 2) if "${" not in v else re.split(r":(?![^{]*\})", v)
    container = parts[-1]
    host = parts[-2] if len(parts) >= 2 else None
    if not container.isdigit():
        return None
    return (host or None), container


# --- the document ----------------------------------------------------------------------------


#: ``docker build`` flags that take a value (the others - ``--pull``, ``--no-cache``, ``-q`` - take none)
_BUILD_VALUE = {"-t", "--tag", "-f", "--file", "--build-arg", "--target", "--platform", "--label", "--network",
                "--secret", "--ssh", "--cache-from", "--cache-to", "-o", "--output", "--progress", "--iidfile",
                "--add-host", "--shm-size", "--ulimit", "-m", "--memory", "--build-context", "--metadata-file",
                "--builder", "--isolation", "--cgroup-parent", "--annotation", "--attest", "--sbom", "--provenance",
                "--allow", "--load-file", "--format", "--layers", "--jobs"}


@dataclass
class DockerBuild:
    """One ``docker build`` (``buildx build``, ``image build``, ``podman build``): the values it gives to
    build arguments, its ``-f`` and its context, as written."""

    args: list[tuple[str, Word]] = field(default_factory=list)  #: (name, the value as a word of its own)
    file: Word | None = None
    context: Word | None = None
    tags: list[Word] = field(default_factory=list)  #: ``-t``/``--tag`` values, as written


def parse_docker_build(words: list[Word], at: int) -> DockerBuild | None:
    """``words[at]`` is docker/podman: the build it describes, or None when it is another sub-command."""
    n = len(words)
    i = at + 1
    while i < n and words[i].value.startswith("-"):
        i += 2 if words[i].value in _GLOBAL_VALUE else 1
    if i < n and words[i].value in ("buildx", "image", "builder"):
        i += 1
    if i >= n or words[i].value != "build":
        return None
    b = DockerBuild()
    i += 1
    while i < n:
        w = words[i]
        name, eq, _value = w.value.partition("=")
        if not w.value.startswith("-") or w.value == "-":
            if b.context is None:
                b.context = w
            i += 1
            continue
        value = sub_word(w, len(name) + 1) if eq else words[i + 1] if name in _BUILD_VALUE and i + 1 < n else None
        i += 1 if eq or name not in _BUILD_VALUE else 2
        if value is None:
            continue
        if name == "--build-arg":
            key, has, _ = value.value.partition("=")
            if has and key and "$" not in key:  # (a value may be ``$VERSION``: the reader resolves it)
                b.args.append((key, sub_word(value, len(key) + 1)))
        elif name in ("-f", "--file"):
            b.file = value
        elif name in ("-t", "--tag"):
            b.tags.append(value)
    return b


# --- an image named by a container CLI, in any text -------------------------------------------------

#: sub-commands of ``docker``/``podman`` (and of ``docker image``) whose operands are images
_IMAGE_OPERANDS = {"pull", "push", "tag", "rmi", "save", "history", "inspect", "rm"}
#: the options of those whose value is not an image (``save -o FILE``); and of ``docker images``/``image ls`` (a filter,
#: a format: ``-f`` of ``rmi`` is ``--force``, no value)
_OPERAND_VALUE = {"-o", "--output"}
_LIST_VALUE = {"-f", "--filter", "--format"}


def _substitution(text: str, ls: int, le: int, start: int, end: int) -> tuple[int, int]:
    """The inside of the innermost command substitution of ``text[ls:le]`` that holds ``text[start:end]``
    (``[ -z "$(docker image ls -q NAME)" ]``: the command is inside it), else ``(ls, le)``."""
    best = (ls, le)
    at = text.find("$(", ls, start)
    while at >= 0:
        depth, i = 1, at + 2
        while i < le and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        if depth == 0 and i - 1 >= end:
            best = (at + 2, i - 1)
        at = text.find("$(", at + 2, start)
    return best


def names_image(text: str, start: int, end: int) -> bool:
    """``text[start:end]`` is a whole word that a container CLI reads as an image: the image of ``docker run``
    (``create``, ``service create``), a ``docker build -t``/``--tag`` value, an operand of ``docker pull``,
    ``push``, ``tag``, ``rmi``, ``save``, ``images`` (``docker image ...``, ``image ls``) - in the line that holds it (continuation lines
    joined), or in the inline code span of a line of documentation that holds it. A bare name there
    (``tensorrtserver_client``) is an image, where a free word is not."""
    from ..syntax.shellwords import ShellSyntaxError, lex
    from . import commands as C

    ls = text.rfind("\n", 0, start) + 1
    while ls >= 2 and text[ls - 2] == "\\":  # the lines a backslash continues
        ls = text.rfind("\n", 0, ls - 2) + 1
    le = text.find("\n", end)
    while le > 0 and text[le - 1] == "\\":
        le = text.find("\n", le + 1)
    le = len(text) if le < 0 else le
    tick = text.rfind("`", ls, start)  # an inline code span (documentation): the command is inside it
    if tick >= 0:
        ls = tick + 1
    tick = text.find("`", end, le)
    if tick >= 0:
        le = tick
    ls, le = _substitution(text, ls, le, start, end)
    try:
        tokens = lex(text[ls:le], base=ls).tokens
    except ShellSyntaxError:
        return False
    for words in C.split(tokens):
        if not any(w.start <= start and end <= w.end for w in words):
            continue
        for j, w in enumerate(words):
            if w.value.rsplit("/", 1)[-1] not in DOCKER_BINS:
                continue
            run = parse_docker_run(words, j)
            if run is not None and run.image is not None and run.image.start <= start and end <= run.image.end:
                return True
            build = parse_docker_build(words, j)
            if build is not None and any(t.start <= start and end <= t.end for t in build.tags):
                return True
            k = j + 1
            while k < len(words) and words[k].value.startswith("-"):
                k += 2 if words[k].value in _GLOBAL_VALUE else 1
            if k < len(words) and words[k].value == "image":
                k += 1
            if k < len(words) and (words[k].value in _IMAGE_OPERANDS and (words[k].value != "rm" or words[k - 1].value == "image")
                                   or words[k].value == "images"
                                   or words[k].value in ("ls", "list") and words[k - 1].value == "image"):
                skip = _OPERAND_VALUE if words[k].value in _IMAGE_OPERANDS else _LIST_VALUE
                if any(x.start <= start and end <= x.end and not x.value.startswith("-")
                       and words[i - 1].value not in skip for i, x in enumerate(words[k + 1:], k + 1)):
                    return True
    return False
