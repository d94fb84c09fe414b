#!/usr/bin/env bash
# The script multi-gitter runs in each repository it clones (see docs/campaigns.md):
#
#   multi-gitter run ./migrate.sh --manual-commit -B triton-v2-migration -O <org> ...
#
# It migrates the repository in place with triton-docker-migrate, then commits the change itself:
# the commit message is a title line and the markdown report, and with --manual-commit (and no
# --pr-title) multi-gitter opens the pull request with that title and the report as its body.
#
# Exit codes follow multi-gitter's convention: 0 when a commit was made (a pull request opens);
# non-zero skips the repository without a pull request - 1 when there is nothing to migrate, 2 when
# the tool could not process a file or was called wrongly (nothing is committed then).
#
# Environment: TDM (the command, default triton-docker-migrate), TDM_ARGS (more flags for
# `migrate`, whitespace-separated, e.g. "--target-version 24.10"), TDM_TITLE (the commit's first
# line and the pull request's title), REPOSITORY (set by multi-gitter; only for messages).
set -uo pipefail

tdm="${TDM:-triton-docker-migrate}"
title="${TDM_TITLE:-Migrate Triton V1 deployments to Triton V2}"
where="${REPOSITORY:-$(pwd)}"
read -r -d '' -a extra <<< "${TDM_ARGS:-}" || true

report="$(mktemp)"  # outside the repository: the report names V1 images itself
trap 'rm -f -- "$report" "$report.msg"' EXIT

rc=0
"$tdm" migrate "${extra[@]}" --format markdown . > "$report" || rc=$?
if [ "$rc" -ge 2 ]; then
  echo "triton-docker-migrate: exit $rc in $where: not committed (see the errors above)" >&2
  exit 2
fi
# rc 1 only comes with --fail-on-review: the change is made and the report lists what needs a person
if [ -z "$(git status --porcelain)" ]; then
  echo "triton-docker-migrate: nothing to migrate in $where" >&2
  exit 1
fi
{ printf '%s\n\n' "$title"; cat "$report"; } > "$report.msg"
git add -A
git commit --quiet --cleanup=verbatim --file "$report.msg"
