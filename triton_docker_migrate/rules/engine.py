"""Run every rule family over one document: command lines first (they teach the follow-through
rules which health port went away), then commands, then text regions, then kind-specific rules."""

from __future__ import annotations

from . import argv
from ..documents.base import Document
from ..rules.context import Context
from ..documents.commands import command_index
from ..model import Finding, Severity
from ..release import Release
from . import clients, endpoints, env, images, paths
from . import tables as T


def check_document(doc: Document, target: Release) -> tuple[list[Finding], Context]:
    findings: list[Finding] = []
    ctx = Context()
    for cl in doc.command_lines():
        res = argv.transform(cl, target)
        findings.extend(res.findings)
        if cl.v1:
            ctx.v1_server = True
        if res.health_port:
            ctx.health_ports[res.health_port] = res.http_port
        if res.uses_tensorflow:
            ctx.uses_tensorflow = True
            findings.extend(_release_checks(cl, target))
    for site in doc.commands():
        ci = command_index(site.words)
        findings.extend(paths.check_binary(site, ci))
        findings.extend(clients.check_commands(site, ci, target))
    for region in doc.regions():
        findings.extend(images.check(region, target, getattr(doc, "tag_variable", None)))
        findings.extend(paths.check(region, target))
        findings.extend(env.check(region))
        findings.extend(endpoints.check(region, ctx))
        if doc.kind == "text":
            findings.extend(clients.check_text(region, target))
    findings.extend(doc.follow_through(ctx, target))
    findings.extend(doc.kind_findings(ctx, target))
    annotate = getattr(doc, "annotate", None)  # a kind may add what only it knows (e.g. YAML anchors)
    if annotate is not None:
        findings = annotate(_dedupe(findings))
    return _dedupe(findings), ctx


def _release_checks(cl, target: Release) -> list[Finding]:
    where = cl.binary.span if cl.binary is not None else None
    if target.at_least(T.TF_BACKEND_DROPPED):
        return [Finding("TDM701", where, f"this server is configured for TensorFlow, whose backend is not "
                        f"shipped from {T.TF_BACKEND_DROPPED}: target {target} will not serve the TensorFlow "
                        f"models (choose a target before {T.TF_BACKEND_DROPPED} or convert the models)",
                        Severity.ERROR)]
    if target.at_least(T.TF1_DROPPED):
        return [Finding("TDM702", where, f"this server is configured for TensorFlow; from {T.TF1_DROPPED} only "
                        f"TensorFlow 2 models load: check that the models are TF2", Severity.WARNING)]
    return []


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple] = set()
    out = []
    for f in findings:
        key = (f.rule, f.span, f.message, f.fix.edits if f.fix else None)
        if key in seen:
            continue
        seen.add(key)
        out.append(f)
    return out
