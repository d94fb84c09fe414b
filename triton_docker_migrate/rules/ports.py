"""TDM406: what followed the removed V1 health port (``--http-health-port``) - exposed and published
ports, probes, the Services that route to it, health URLs on the host port that published it.

Each document kind exposes its port sites (``Document.port_sites``); the decisions and their edits
are made here, per kind of list: a port that only served V1 health is removed where other ports of
the list stay, else reported with the HTTP port to use."""

from __future__ import annotations

import re
from typing import Iterator

from ..documents.sites import PortList, PortSites
from ..model import Edit, Finding, Fix, Severity, Span
from .argv import health_keys, health_text
from .registry import FixAvailability as F
from .registry import check, rule

HEALTH_PORT = rule(
    "TDM406", "v1-health-port", Severity.WARNING, F.SOMETIMES, "The removed V1 health port is still published",
    "A port that only served V1 health (`--http-health-port`) serves nothing in V2: it is removed from "
    "EXPOSE / ports lists that keep other ports (a Service's entry only when another of its ports reaches the "
    "HTTP port, where V2 serves health; an ECS container's `portMappings` entry unless a load balancer still sends "
    "to it; a container's `ports` list written in Python code, a Pulumi dict, is reported: removing an entry would "
    "change the code), otherwise reported with the HTTP port to use. A port written the way the option's value "
    "is (the same variable, `${HEALTH_PORT:-8005}`, or values path, `{{ .Values.healthPort }}`; its default, an "
    "OpenShift Template parameter's value) is the health port too. Probes on it (by number, or by the name its "
    "container gives it) move to the HTTP port, and so do a Nomad service's or check's `port` label (a network "
    "port of the task's group or, before Nomad 0.12, of its `resources`, whose container port the docker driver's "
    "`port_map` gives - its entry there goes with the port -, a dynamic one being the task's "
    "`${NOMAD_PORT_<label>}`), a "
    "Google Cloud health check's `port` for a VM whose startup script runs the server and a "
    "Terraform target group's `health_check` port - of an ECS server, or of a VM whose `user_data` runs the server "
    "(a target group named for the server or attached to that VM) - (`traffic-port` when the target group's "
    "requests go to the HTTP port); a target group or ECS `load_balancer` that sends requests to it is reported.")
W, I = Severity.WARNING, Severity.INFO


def health_port_message(port: str, http: str) -> str:
    """What TDM406 says of a port that was the removed V1 health port."""
    return f"port {port} was the V1 health port (--http-health-port); V2 serves health on the HTTP port {http}"


@check(order=40)
def check_health_ports(doc, ctx) -> Iterator[Finding]:
    lines = [(cl, res) for cl, res in ctx.server_lines() if not cl.report_only and health_keys(doc, res)]
    if not lines:
        return
    for sites in doc.port_sites():
        if sites.owners is None:
            pairs = list(ctx.health_ports.items())
        else:
            owners = {id(o) for o in sites.owners}
            pairs = list(dict((key, _http(doc, sites, res)) for cl, res in lines if id(cl) in owners
                              for key in health_keys(doc, res)).items())
        for health, http in pairs:
            # a port written as an expression that the file's own port names give a port (a Nomad task's
            # ``${NOMAD_PORT_health}``, its ``port_map``'s 8002): that port
            health, http = (sites.port_names.get(p, p) if not p.isdigit() else p for p in (health, http))
            yield from _probes(doc, sites, health, http)
            for pl in sites.lists:
                yield from _POLICIES[pl.style](doc, sites, pl, health, http)
            for hk in sites.health_keys if sites.style == "values" else ():
                if hk.value == health and not any(p.span == hk.span for p in sites.probes):
                    yield HEALTH_PORT.finding(hk.span, f"{hk.key}: {health_port_message(health, http)}; check what "
                                              f"the chart's templates do with this value", suggestion=str(http))


def _http(doc, sites: PortSites, res) -> str:
    """The line's HTTP port; when its ``--http-port`` is an expression that the file's own port names give
    (a Nomad task's ``${NOMAD_PORT_http}``), that expression (a probe moves to the port's name, not to V2's
    default port)."""
    if res.http_expr is not None:
        expr = health_text(doc.text[res.http_expr.start:res.http_expr.end])
        if expr in sites.port_names:
            return expr
    return res.http_port


def _same(value: str | None, health: str) -> bool:
    """``value`` (a port as written) is the health port ``health`` (a number, or an expression written alike)."""
    if value is None:
        return False
    return value == health or (not health.isdigit() and health_text(value) == health)


def _written(doc, pr, health: str) -> bool:
    """The probe's port is written as the expression ``health`` is (a chart's ``{{ .Values.healthPort }}``, which
    its values may render to a number)."""
    return not health.isdigit() and health_text(doc.text[pr.span.start:pr.span.end]) == health


def _expose(doc, sites: PortSites, pl: PortList, health: str, http: str) -> Iterator[Finding]:
    """Dockerfile EXPOSE: the word goes when the instruction exposes other ports."""
    for e in pl.entries:
        if e.port != health:
            continue
        msg = health_port_message(health, http)
        if len(pl.entries) > 1:
            yield HEALTH_PORT.finding(e.span, msg + "; removed from EXPOSE",
                                      fix=Fix.of(f"Remove port {health} from EXPOSE", *e.remove()))
        else:
            yield HEALTH_PORT.finding(e.span, msg + ": expose the HTTP port instead", suggestion=f"EXPOSE {http}")


def _compose(doc, sites: PortSites, pl: PortList, health: str, http: str) -> Iterator[Finding]:
    """compose ``ports``/``expose``: the entry goes when the HTTP port is in the list too."""
    msg = health_port_message(health, http)
    ports = [e.port for e in pl.entries]
    for e in pl.entries:
        if e.port is None:
            continue
        if _same(e.port, health):
            if http in ports:
                yield HEALTH_PORT.finding(e.span, f"{msg}; removed from {pl.where}",
                                          fix=Fix.of(f"Remove port {health} from {pl.where}", *e.remove()))
            else:
                yield HEALTH_PORT.finding(e.span, f"{msg}: publish the HTTP port instead",
                                          suggestion=f"{http}:{http}" if pl.where == "ports" else http)
        elif "-" in e.port and _in_range(e.port, health):
            yield HEALTH_PORT.finding(e.span, f"{msg}; the range {e.port} includes it: check the range")


def _kubernetes(doc, sites: PortSites, pl: PortList, health: str, http: str) -> Iterator[Finding]:
    """A container's ports, or a Service's: the entry goes when others stay."""
    names = _health_names(sites, health) if pl.key == "targetPort" or pl.service else set()
    hits = [e for e in pl.entries if _same(e.port, health) or e.port in names]
    msg = health_port_message(health, http)
    # a Service keeps a way to health: its entry goes only when another one reaches the HTTP port (as
    # TDM407 does in other files); routing it to the HTTP port would open V2's whole HTTP API through it
    service = pl.key == "targetPort" or pl.service
    http_names = _health_names(sites, http) if service else set()
    others = [e for e in pl.entries if e not in hits]
    keeps_health = any(e.port == http or e.port in http_names for e in others) if service else bool(others)
    for e in hits:
        if keeps_health and not pl.edited:  # (a list of Python code: the code's shape stays)
            yield HEALTH_PORT.finding(e.span, f"{msg}: remove it from the {pl.where} (a list written in code is not "
                                      f"edited)")
        elif keeps_health and e.remover is None:  # something the file says still sends to it (its own finding)
            yield HEALTH_PORT.finding(e.span, f"{msg}: a load balancer still sends requests to it; remove it from the "
                                      f"{pl.where} once they go to the HTTP port")
        elif keeps_health:
            yield HEALTH_PORT.finding(e.span, f"{msg}; removed from the {pl.where}",
                                      fix=Fix.of(f"Remove port {health}", *e.remove()))
        elif others:
            yield HEALTH_PORT.finding(e.span, f"{msg}: no other port of this Service reaches it; route a port to "
                                      f"{http} (health is served there with the rest of the HTTP API)",
                                      suggestion=f"{pl.key}{pl.assign}{http}")
        else:
            yield HEALTH_PORT.finding(e.span, f"{msg}: publish the HTTP port instead", suggestion=f"{pl.key}{pl.assign}{http}")


def _values(doc, sites: PortSites, pl: PortList, health: str, http: str) -> Iterator[Finding]:
    """A ports list of Helm values: the entry goes when others stay and no probe still names it."""
    names = _values_names(sites, health, http)
    kept = _values_kept(sites, health, http)
    hits = [e for e in pl.entries if e.targets & ({health} | names[health])]
    msg = health_port_message(health, http)
    for e in hits:
        if len(hits) < len(pl.entries) and not (e.name is not None and e.name in kept):
            yield HEALTH_PORT.finding(e.span, f"{msg}; removed from the ports list",
                                      fix=Fix.of(f"Remove port {health}", *e.remove()))
        else:
            yield HEALTH_PORT.finding(e.span, f"{msg}: publish the HTTP port instead", suggestion=str(http))


def _target(doc, sites: PortSites, pl: PortList, health: str, http: str) -> Iterator[Finding]:
    """The port a load balancer's target group sends its requests to: on the health port they reach nothing
    in V2 (a warning: changing a target group's port replaces it, and what registers its targets says the port
    too)."""
    for e in pl.entries:
        if e.port == health:
            yield HEALTH_PORT.finding(e.span, f"{pl.where} sends requests to port {health}: "
                                      f"{health_port_message(health, http)}: send them to the HTTP port",
                                      suggestion=f"{pl.key}{pl.assign}{http}")


def _docker(doc, sites: PortSites, pl: PortList, health: str, http: str) -> Iterator[Finding]:
    """``docker run -p H:N``: the mapping goes when the HTTP port is published too; URLs on the host
    port that published the health port move to the HTTP port's."""
    msg = health_port_message(health, http)
    for e in pl.entries:
        if e.port != health:
            continue
        http_pub = [p for p in pl.entries if p.port == http]
        if not http_pub:
            yield HEALTH_PORT.finding(e.span, msg + ": publish the HTTP port instead",
                                      suggestion=f"-p {e.host or http}:{http}")
            continue
        host_http = http_pub[0].host
        shown = f" (published on host port {host_http})" if host_http and host_http.isdigit() else ""
        yield HEALTH_PORT.finding(e.span, msg + f"{shown}; this mapping is removed",
                                  fix=Fix.of(f"Remove the mapping of port {health}", *e.remove()))
        host_http = doc.resolve(host_http) if host_http else None
        host = e.host
        if host and host.isdigit() and host != health and host_http and host_http.isdigit():
            yield from _host_port_urls(doc, host, host_http, health)
        elif host == health and host_http and host_http.isdigit() and host_http != http:
            yield from _host_port_urls(doc, host, host_http, health, fix=False)


def _host_port_urls(doc, old: str, new: str, cport: str, fix: bool = True) -> Iterator[Finding]:
    """Health URLs on host port ``old``, which published the V1 health port ``cport``."""
    rx = re.compile(r"(?<![\w.])(?:[\w.-]+|\[[0-9a-fA-F:]+\]):(" + re.escape(old) + r")(?=/api/health)")
    msg = f"host port {old} published the V1 health port {cport}; V2 answers health on the HTTP port"
    for r in doc.regions():
        if r.report_only:
            continue
        for m in rx.finditer(r.text):
            sp = r.span(m.start(1), m.end(1))
            if fix:
                yield HEALTH_PORT.finding(sp, f"{msg}, published on host port {new}",
                                          fix=Fix.of(f"Use port {new}", Edit(sp, new)))
            else:
                yield HEALTH_PORT.finding(sp, f"{msg}: this URL now names the container's HTTP port, but the "
                                          f"container publishes it on host port {new}: check the port", suggestion=new)


# --- probes --------------------------------------------------------------------------------------

def _probes(doc, sites: PortSites, health: str, http: str) -> Iterator[Finding]:
    if sites.style == "kubernetes":
        names = _health_names(sites, health)
        http_name = next((n for n, p in sites.port_names.items() if p == http and not n.isdigit()), None)
        for pr in sites.probes:
            if not _same(pr.value, health) and not _written(doc, pr, health) and pr.value not in names:
                continue
            new = http_name if pr.value in names and http_name else http
            if pr.traffic is not None and pr.traffic == http:  # a target group whose requests go to the HTTP port
                new = "traffic-port"
            yield _probe_fix(doc, pr, health, http, new)
    elif sites.style == "values":
        names = _values_names(sites, health, http)
        http_name = _values_http_name(names, health, http)
        msg = health_port_message(health, http)
        for pr in sites.probes:
            if not _same(pr.value, health) and not _written(doc, pr, health) and pr.value not in names[health]:
                continue
            if _same(pr.value, health) or _written(doc, pr, health):
                new = http
            elif http_name is not None:
                new = http_name
            else:
                yield HEALTH_PORT.finding(pr.span, f"{pr.probe} used port {pr.value} ({health}): {msg}; the HTTP "
                                          f"port has no single name in this file", suggestion=str(http))
                continue
            yield _probe_fix(doc, pr, health, http, new)


def _probe_fix(doc, pr, health: str, http: str, new: str) -> Finding:
    quote = pr.quote or ('"' if new == "traffic-port" else "")
    raw = f"{quote}{new}{quote}" if quote and (pr.string or not new.isdigit()) else new
    edits = [Edit(pr.span, raw)]
    start = Edit(Span(pr.span.start, pr.span.start), raw)
    if not doc.can_write(edits[0]) and doc.can_write(Edit(pr.span, "")) and doc.can_write(start):
        # the port is one template action whole (``port: {{ .Values.healthPort }}``): the action goes, the port
        # is written before it (a word that holds an action and more is never rewritten)
        edits = [start, Edit(pr.span, "")]
    where = ", where the target group sends its requests (traffic-port)" if new == "traffic-port" else ""
    return HEALTH_PORT.finding(
        pr.span, f"{pr.probe} used port {pr.value}{'' if pr.value == health else f' ({health})'}, the V1 health "
        f"port (--http-health-port); V2 serves health on the HTTP port {http}{where}", I,
        Fix.of(f"Probe port {new}", *edits))


def _health_names(sites: PortSites, health: str) -> set[str]:
    """The names a container gives its health port."""
    return {n for n, p in sites.port_names.items() if p == health and not n.isdigit()}


def _values_names(sites: PortSites, health: str, http: str) -> dict[str, set[str]]:
    """The names Helm values give the health port and the HTTP port, over every ports list."""
    names: dict[str, set[str]] = {health: set(), http: set()}
    for pl in sites.lists:
        for e in pl.entries:
            if e.port in names and e.name is not None:
                names[e.port].add(e.name)
    for n, p in sites.port_names.items():  # a chart template's container ports, for probes written here
        if p in names and not n.isdigit():
            names[p].add(n)
    return names


def _values_http_name(names: dict[str, set[str]], health: str, http: str) -> str | None:
    """The HTTP port's one name (a name shared with the health port, or several, leave it to a person)."""
    return next(iter(names[http])) if len(names[http]) == 1 and not names[http] & names[health] else None


def _values_kept(sites: PortSites, health: str, http: str) -> set[str]:
    """The names that probes still use after the migration (their ports stay listed)."""
    names = _values_names(sites, health, http)
    if _values_http_name(names, health, http) is not None:
        return set()
    return {pr.value for pr in sites.probes if pr.value != health and pr.value in names[health]}


def _in_range(spec: str, port: str) -> bool:
    lo, _, hi = spec.partition("-")
    try:
        return int(lo) <= int(port) <= int(hi)
    except ValueError:
        return False


_POLICIES = {"expose": _expose, "compose": _compose, "kubernetes": _kubernetes, "values": _values, "docker": _docker,
             "target": _target}
