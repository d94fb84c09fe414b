"""What a side-by-side copy changes in the unit it copies, per kind (CONTRACT.md, ``--side-by-side``):
its name, its host ports (shifted by the offset, clear of every host port of the file), its
container name and the names it is reached by, its labels (Kubernetes: the copy's pods carry
``triton-docker-migrate/version: v2`` and selector values of their own, so the V1 Service never routes
to them), and its mounts (shared read-only). The values are ruamel.yaml round-trip data
(``syntax/yamlcopy``); the migration of the server itself is the pipeline's, run on the copy's text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..syntax import yamlcopy as YC

VERSION_LABEL = "triton-docker-migrate/version"
VERSION = "v2"
MAX_PORT = 65535
NODE_PORTS = range(30000, 32768)
#: Kubernetes names (Services: DNS-1035 labels) and label values are at most 63 characters
MAX_NAME = 63
_PORT_VAR = re.compile(r"^\$\{\w+:?-(\d+(?:-\d+)?)\}$")
_LOCAL_URL = re.compile(r"(?<![\w.-])(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\]):(\d+)(?!\d)")


class Refused(Exception):
    """No copy can be made: the message says why."""


@dataclass
class Ports:
    """Host ports in use in the file, and the shift chosen for one copy."""

    used: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)

    def shift_for(self, ports: set[int], offset: int) -> int:
        """The smallest multiple of ``offset`` that moves every port of ``ports`` onto a free port."""
        if not ports:
            return offset
        k = 1
        while True:
            shift = k * offset
            moved = {p + shift for p in ports}
            if max(moved) > MAX_PORT:
                raise Refused(f"no free host ports for the copy: ports {sorted(ports)} shifted by multiples of "
                              f"{offset} leave the port range")
            if not moved & self.used:
                return shift
            k += 1


# --- docker-compose ---------------------------------------------------------------------------

def compose_host_ports(entry: Any) -> set[int]:
    """The host ports a compose ``ports`` entry publishes (none: the engine picks one)."""
    host = _compose_published(entry)
    return set(_port_range(host)) if host is not None else set()


def _compose_published(entry: Any) -> str | None:
    if isinstance(entry, dict):
        p = entry.get("published")
        return None if p is None or str(p) == "" else _literal(str(p))
    if isinstance(entry, bool) or isinstance(entry, int) or entry is None:
        return None
    parts = _split_short(str(entry))
    if parts is None or len(parts) < 2:
        return None
    host = parts[-2]
    return _literal(host) if host else None


def _literal(value: str) -> str | None:
    """A published port as a number or range (``${PORT:-8000}`` counts as its default)."""
    m = _PORT_VAR.match(value)
    if m:
        value = m.group(1)
    return value if re.fullmatch(r"\d+(?:-\d+)?", value) else None


def _port_range(value: str) -> range:
    a, _, b = value.partition("-")
    return range(int(a), int(b or a) + 1)


def _split_short(value: str) -> list[str] | None:
    """``[ip:][host:]container[/proto]`` split at the colons outside ``[...]`` (the protocol left out)."""
    value = value.rsplit("/", 1)[0] if "/" in value else value
    parts, cur, depth = [], "", 0
    for ch in value:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == ":" and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts if len(parts) <= 3 else None


def _shifted(value: str, shift: int) -> str:
    r = _port_range(value)
    return str(r.start + shift) if len(r) == 1 else f"{r.start + shift}-{r.stop - 1 + shift}"


def shift_compose_port(entry: Any, shift: int) -> Any:
    """``entry`` publishing its host ports ``shift`` higher (container ports and the rest unchanged)."""
    host = _compose_published(entry)
    if host is None:
        return entry
    if isinstance(entry, dict):
        old = entry["published"]
        entry["published"] = int(_shifted(host, shift)) if isinstance(old, int) else YC.like(old, _shifted(host, shift))
        return entry
    text = str(entry)
    proto = text[text.rfind("/"):] if "/" in text else ""
    parts = _split_short(text)
    assert parts is not None
    parts[-2] = _shifted(host, shift)
    return YC.like(entry, ":".join(parts) + proto)


def compose_read_only(entry: Any) -> Any:
    """A volume entry mounted read-only (anonymous volumes and tmpfs are not shared: unchanged)."""
    if isinstance(entry, dict):
        if str(entry.get("type", "")) == "tmpfs" or not entry.get("source"):
            return entry
        entry["read_only"] = True
        return entry
    if not isinstance(entry, str):
        return entry
    text = str(entry)
    drive = 2 if re.match(r"^[A-Za-z]:[\\/]", text) else 0
    parts = text[drive:].split(":")
    parts[0] = text[:drive] + parts[0]
    if len(parts) < 2:
        return entry
    if len(parts) == 2:
        return YC.like(entry, text + ":ro")
    modes = [m for m in parts[2].split(",") if m and m != "rw"]
    if "ro" not in modes:
        modes.insert(0, "ro")
    return YC.like(entry, ":".join(parts[:2] + [",".join(modes)]))


def compose_copy(copy: Any, name: str, suffix: str, taken: dict[str, set[str]], ports: Ports, offset: int,
                 host_network: bool) -> tuple[str, int]:
    """Make ``copy`` (a service) the V2 copy: its name (returned), container name, hostname and network
    aliases, published ports and volumes. ``taken``: names in use ("service", "container"). Returns the
    new name and the shift of its host ports."""
    new = name + suffix
    if new in taken["service"]:
        raise Refused(f"a service named {new} already exists (another suffix: --side-by-side-suffix)")
    for key in ("container_name", "hostname"):
        if isinstance(copy.get(key), str) and copy[key]:
            value = _free(str(copy[key]) + suffix, taken["container"] if key == "container_name" else set(), suffix)
            copy[key] = YC.like(copy[key], value)
            if key == "container_name":
                taken["container"].add(value)
    for net in (copy.get("networks") or {}).values() if isinstance(copy.get("networks"), dict) else ():
        if isinstance(net, dict) and isinstance(net.get("aliases"), list):
            net["aliases"] = _seq_like(net["aliases"], [YC.like(a, str(a) + suffix) for a in net["aliases"]])
    shift = offset
    if not host_network and isinstance(copy.get("ports"), list):
        mine = set().union(*(compose_host_ports(p) for p in copy["ports"])) if copy["ports"] else set()
        shift = ports.shift_for(mine, offset)
        for i, p in enumerate(copy["ports"]):
            parts = _split_short(str(p)) if isinstance(p, str) else None
            if _compose_published(p) is None and parts is not None and len(parts) >= 2 and parts[-2]:
                ports.notes.append(f"the host port of {p!s} is only known at run time: give the copy another one")
            copy["ports"][i] = shift_compose_port(p, shift)
        ports.used |= {q + shift for q in mine}
    if isinstance(copy.get("volumes"), list):
        for i, v in enumerate(copy["volumes"]):
            copy["volumes"][i] = compose_read_only(v)
    taken["service"].add(new)
    return new, shift


def _free(value: str, taken: set[str], suffix: str) -> str:
    while value in taken:
        value += suffix
    return value


def _seq_like(old: Any, items: list[Any]) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    seq = CommentedSeq(items)
    if getattr(old, "fa", None) is not None and old.fa.flow_style():
        seq.fa.set_flow_style()
    return seq


def compose_used_ports(services: dict) -> set[int]:
    out: set[int] = set()
    for svc in services.values():
        if isinstance(svc, dict) and isinstance(svc.get("ports"), list):
            for p in svc["ports"]:
                out |= compose_host_ports(p)
    return out


# --- Kubernetes -------------------------------------------------------------------------------

def pod_templates(obj: Any) -> list[Any]:
    """The pod templates of a workload (the object itself for a Pod)."""
    if not isinstance(obj, dict):
        return []
    if obj.get("kind") == "Pod":
        return [obj]
    out = []
    stack = [obj.get("spec")]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "template" and isinstance(v, dict) and isinstance(v.get("spec"), dict):
                    out.append(v)
                elif k in ("spec", "jobTemplate"):
                    stack.append(v)
    return out


def pod_specs(obj: Any) -> list[Any]:
    return [t["spec"] for t in pod_templates(obj) if isinstance(t.get("spec"), dict)]


def containers(spec: Any) -> Iterator[Any]:
    for key in ("containers", "initContainers"):
        for c in spec.get(key) or []:
            if isinstance(c, dict):
                yield c


def kubernetes_used_ports(objects: list[Any]) -> set[int]:
    """hostPorts and nodePorts of the file, and the ports of host-network containers."""
    out: set[int] = set()
    for obj in objects:
        if not isinstance(obj, dict):
            continue
        for spec in pod_specs(obj):
            for c in containers(spec):
                for p in c.get("ports") or []:
                    if isinstance(p, dict):
                        for key in ("hostPort",) + (("containerPort",) if spec.get("hostNetwork") is True else ()):
                            if isinstance(p.get(key), int):
                                out.add(int(p[key]))
        if obj.get("kind") == "Service":
            for p in (obj.get("spec") or {}).get("ports") or []:
                if isinstance(p, dict) and isinstance(p.get("nodePort"), int):
                    out.add(int(p["nodePort"]))
    return out


def _selector(obj: Any) -> dict | None:
    spec = obj.get("spec") if isinstance(obj, dict) else None
    if not isinstance(spec, dict) or not isinstance(spec.get("selector"), dict):
        return None
    sel = spec["selector"]
    if obj.get("kind") == "Service" or obj.get("kind") == "ReplicationController":
        return sel
    return sel.get("matchLabels") if isinstance(sel.get("matchLabels"), dict) else None


def _name(value: str, what: str) -> str:
    if len(value) > MAX_NAME:
        raise Refused(f"the copy's {what} {value} would be longer than {MAX_NAME} characters")
    return value


def _set_metadata_name(obj: Any, suffix: str, taken: set[tuple[str, str]]) -> str:
    meta = obj.get("metadata")
    name = str(meta["name"]) + suffix
    if (str(obj.get("kind")), name) in taken:
        raise Refused(f"a {obj.get('kind')} named {name} already exists (another suffix: --side-by-side-suffix)")
    meta["name"] = YC.like(meta["name"], _name(name, "name"))
    taken.add((str(obj.get("kind")), name))
    return name


def _labelled(labels: Any, keys: set[str], suffix: str) -> Any:
    """``labels`` with the values of ``keys`` suffixed and the version label added."""
    if not isinstance(labels, dict):
        labels = YC.map_of([])
    for k in keys:
        if k in labels and labels[k] is not None:
            labels[k] = YC.like(labels[k], _name(str(labels[k]) + suffix, f"label {k}"))
    labels[VERSION_LABEL] = VERSION
    return labels


def kubernetes_copy(obj: Any, services: list[Any], suffix: str, taken: set[tuple[str, str]], ports: Ports,
                    offset: int) -> tuple[str, int]:
    """Make ``obj`` (a workload) and ``services`` (copies of the Services that select its pods) the V2
    copy: names, labels and selectors, host ports and node ports, read-only mounts. Returns the
    workload's new name and the shift of its host ports."""
    keys: set[str] = set()
    for o in [obj, *services]:
        sel = _selector(o)
        if sel:
            keys |= {str(k) for k in sel}
    new = _set_metadata_name(obj, suffix, taken)
    meta = obj["metadata"]
    meta["labels"] = _labelled(meta.get("labels"), set(), suffix)
    for t in pod_templates(obj):
        if t is obj:
            continue
        tmeta = t.get("metadata")
        if not isinstance(tmeta, dict):
            if hasattr(t, "insert"):
                t.insert(0, "metadata", YC.map_of([]))
            else:  # plain data (a JSON manifest): metadata first, as in a round-trip map
                rest = dict(t)
                t.clear()
                t.update({"metadata": {}, **rest})
            tmeta = t["metadata"]
        tmeta["labels"] = _labelled(tmeta.get("labels"), keys, suffix)
    if obj.get("kind") == "Pod":
        meta["labels"] = _labelled(meta.get("labels"), keys, suffix)
    sel = _selector(obj)
    if sel is not None:
        _labelled(sel, keys, suffix)
    host_network = any(spec.get("hostNetwork") is True for spec in pod_specs(obj))
    mine: set[int] = set()
    for spec in pod_specs(obj):
        for c in containers(spec):
            for p in c.get("ports") or []:
                if isinstance(p, dict) and isinstance(p.get("hostPort"), int) and not host_network:
                    mine.add(int(p["hostPort"]))
    for svc in services:
        for p in (svc.get("spec") or {}).get("ports") or []:
            if isinstance(p, dict) and isinstance(p.get("nodePort"), int):
                mine.add(int(p["nodePort"]))
    shift = ports.shift_for(mine, offset) if mine else offset
    for spec in pod_specs(obj):
        for c in containers(spec):
            for p in c.get("ports") or []:
                if isinstance(p, dict) and isinstance(p.get("hostPort"), int) and not host_network:
                    p["hostPort"] = int(p["hostPort"]) + shift
        _read_only_mounts(spec)
    svc_names = {}
    for svc in services:
        old = str(svc["metadata"]["name"])
        svc_names[old] = _set_metadata_name(svc, suffix, taken)
        svc["metadata"]["labels"] = _labelled(svc["metadata"].get("labels"), set(), suffix)
        spec = svc.get("spec")
        if isinstance(spec, dict):
            _labelled(spec.get("selector"), keys, suffix)
            for key in ("clusterIP", "clusterIPs"):
                if key in spec and spec[key] not in ("None", None) and spec[key] != ["None"]:
                    del spec[key]  # a cluster IP is the V1 Service's own
            for p in spec.get("ports") or []:
                if isinstance(p, dict) and isinstance(p.get("nodePort"), int):
                    moved = int(p["nodePort"]) + shift
                    if moved in NODE_PORTS:
                        p["nodePort"] = moved
                    else:
                        del p["nodePort"]
                        ports.notes.append(f"nodePort {moved} would leave the node port range: the cluster "
                                           f"picks one for the copy")
    spec = obj.get("spec")
    if isinstance(spec, dict) and isinstance(spec.get("serviceName"), str) and spec["serviceName"] in svc_names:
        spec["serviceName"] = YC.like(spec["serviceName"], svc_names[str(spec["serviceName"])])
    ports.used |= {p + shift for p in mine}
    return new, shift


def _read_only_mounts(spec: Any) -> None:
    """Every mount of a shared volume read-only (an emptyDir is the pod's own: unchanged)."""
    own = {str(v.get("name")) for v in spec.get("volumes") or [] if isinstance(v, dict) and "emptyDir" in v}
    for c in containers(spec):
        for m in c.get("volumeMounts") or []:
            if isinstance(m, dict) and str(m.get("name")) not in own:
                m["readOnly"] = True


# --- Helm values --------------------------------------------------------------------------------

def values_copy(copy: Any, name: str, suffix: str, taken: set[str], ports: Ports, offset: int) -> tuple[str, int]:
    """Make ``copy`` (a top-level values entry) the V2 copy: its key, name overrides, host and node
    ports, read-only mounts, the version label in its pod labels."""
    new = name + suffix
    if new in taken:
        raise Refused(f"a values entry named {new} already exists (another suffix: --side-by-side-suffix)")
    for key in ("nameOverride", "fullnameOverride"):
        if isinstance(copy.get(key), str) and copy[key]:
            copy[key] = YC.like(copy[key], str(copy[key]) + suffix)
    mine = {int(v) for m in _mappings(copy) for k, v in m.items() if k in ("hostPort", "nodePort") and _is_int(v)}
    shift = ports.shift_for(mine, offset) if mine else offset
    for m in _mappings(copy):
        for k in ("hostPort", "nodePort"):
            if _is_int(m.get(k)):
                m[k] = int(m[k]) + shift
        if isinstance(m.get("volumeMounts"), list):
            _read_only_mounts({"containers": [m], "volumes": _find(copy, "volumes")})
        if isinstance(m.get("podLabels"), dict):
            m["podLabels"][VERSION_LABEL] = VERSION
    ports.used |= {p + shift for p in mine}
    taken.add(new)
    return new, shift


def values_used_ports(values: Any) -> set[int]:
    return {int(v) for m in _mappings(values) for k, v in m.items() if k in ("hostPort", "nodePort") and _is_int(v)}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _mappings(value: Any) -> Iterator[dict]:
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _find(value: Any, key: str) -> list:
    for m in _mappings(value):
        if isinstance(m.get(key), list):
            return m[key]
    return []


# --- host networking ----------------------------------------------------------------------------

def shift_local_urls(value: str, moved: dict[int, int]) -> str:
    """``localhost:8000`` and its kin with the server's ports moved."""
    return _LOCAL_URL.sub(lambda m: f"{m.group(1)}:{moved.get(int(m.group(2)), int(m.group(2)))}", value)


def shift_network(unit: Any, moved: dict[int, int]) -> None:
    """In a host-network unit: container ports, host ports, probe ports and health-check URLs that
    are the server's ports, moved with the server."""
    probe_handlers = [v.get(h) for m in _mappings(unit) for k, v in m.items()
                      if k in ("livenessProbe", "readinessProbe", "startupProbe") and isinstance(v, dict)
                      for h in ("httpGet", "tcpSocket", "grpc")]
    for m in _mappings(unit):
        keys = ("containerPort", "hostPort") + (("port",) if any(m is h for h in probe_handlers) else ())
        for k in keys:
            if _is_int(m.get(k)) and int(m[k]) in moved:
                m[k] = moved[int(m[k])]
    for holder, key in _health_strings(unit):
        holder[key] = YC.like(holder[key], shift_local_urls(str(holder[key]), moved))


def _health_strings(unit: Any) -> Iterator[tuple[Any, Any]]:
    """(holder, key) of every string of a compose healthcheck test or a probe's exec command."""
    for m in _mappings(unit):
        for k, v in m.items():
            if k == "healthcheck" and isinstance(v, dict) and "test" in v:
                yield from _strings_in(v, "test")
            if k in ("livenessProbe", "readinessProbe", "startupProbe") and isinstance(v, dict) and \
                    isinstance(v.get("exec"), dict) and "command" in v["exec"]:
                yield from _strings_in(v["exec"], "command")


def _strings_in(holder: Any, key: Any) -> Iterator[tuple[Any, Any]]:
    v = holder[key]
    if isinstance(v, str):
        yield holder, key
    elif isinstance(v, list):
        for i, item in enumerate(v):
            if isinstance(item, str):
                yield v, i


def is_host_network(kind: str, unit: Any) -> bool:
    if kind == "compose":
        return isinstance(unit, dict) and str(unit.get("network_mode", "")) == "host"
    return any(m.get("hostNetwork") is True for m in _mappings(unit))
