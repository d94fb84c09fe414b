"""What every document kind offers the rules: text regions, commands and server command lines.

A Document is built by one module per file kind (dockerfile.py, compose.py, ...). The rules never
look at the file format; they look at these sites, which all carry document offsets.
"""

from __future__ import annotations

import bisect
import re
from typing import Iterable

from ..model import Span
from .sites import (BaseImage, Block, BuildArgument, ChartValue, ClientProgram, ClientUse, CommandLine, CommandSite, ImageKeys, Mount, PortSites,
                    Region, Requirement, Topology)


class Document:
    path: str = ""
    kind: str = "text"
    text: str = ""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self._line_starts: list[int] | None = None

    # --- sites: what the rules read ---------------------------------------------------------------
    #: how the file's own syntax reads ``$NAME``: "compose" (from the host when the file loads),
    #: "kubernetes" (``$(NAME)`` from the container's env list), None (the shell's, at run time)
    variable_syntax: str | None = None

    def regions(self) -> list[Region]:
        """Runs of text outside comments, for the rules that search text (images, paths, URLs)."""
        return []

    def commands(self) -> list[CommandSite]:
        """Every simple command (its words with spans)."""
        return []

    def command_lines(self) -> list[CommandLine]:
        """The server command lines."""
        return []

    def maybe_server_lines(self) -> list[CommandLine]:
        """Options alone that a container gives an image that may be the one the run builds from a V1
        server's Dockerfile whose ENTRYPOINT is the server (another tag of its repository, a digest:
        ``CommandLine.built``'s ``why``), as the V1 server line they would be: reported, never changed."""
        return []

    def port_sites(self) -> list[PortSites]:
        """What routes to a server's ports: exposed and published ports, probes, Services."""
        return []

    def topology(self) -> Topology:
        """Who reaches whom: pods, Services, network policies, routes, compose services, ``docker run``s
        and built images, for the follow-through of a run (``rules/follow.py``)."""
        return Topology()

    def env_definitions(self) -> list[tuple[str, Span]]:
        """Environment variables the file defines itself (their names, where they are written)."""
        return []

    def env_files(self) -> list[tuple[str, Span, str]]:
        """Files a Triton service reads its environment from: (as written, where, path to read)."""
        return []

    def images_run_by_v1(self) -> list[tuple[Span, str, str]]:
        """Images written here that a V1 server line of another file runs on (a chart's values image, the
        line in its template): (where, the image, the binary)."""
        return []

    def build_arguments(self) -> list[BuildArgument]:
        """Values this file gives to the build arguments of a Dockerfile it builds."""
        return []

    def interpolated_images(self) -> list[tuple[str, Span, bool, str]]:
        """Images whose reference a variable of the runtime's environment file sets (compose's
        ``image: ${TRITON_IMAGE}`` and the ``.env`` beside the file): (variable, the image's span,
        whether the service runs a V1 server line, the environment file to read)."""
        return []

    def interpolated_health_paths(self) -> list[tuple[str, Span, str]]:
        """Variables a Triton service's health check expands that the runtime's environment file may set
        (compose's ``.env``): (variable, where the check writes it, the environment file to read)."""
        return []

    def split_images(self) -> list[ImageKeys]:
        """Images written as a repository and a tag in sibling keys."""
        return []

    def requirements(self) -> list[Requirement]:
        """Python package requirements the file declares (requirements files, dependency lists)."""
        return []

    def client_uses(self) -> list[ClientUse]:
        """Uses of the V1 client library in code (imports, calls, attributes), in file order."""
        return []

    def client_program(self) -> ClientProgram | None:
        """What a rewrite of the V1 client code needs (calls with their arguments, imports, names);
        None when the file holds no V1 client code or its kind cannot be rewritten."""
        return None

    def base_images(self) -> list[BaseImage]:
        """The base images of the file's build stages."""
        return []

    def held_images(self) -> list[Span]:
        """Where the values are written of the variables that give an image where the file runs or builds
        one (``TAG=${TAG:-my_image}`` then ``docker run $TAG``): each stands as an image, bare as it may be."""
        return []

    def copied_from(self, at: int) -> Span | None:
        """Where the image is written that the copy holding offset ``at`` takes its files from (a
        Dockerfile's ``COPY --from=<stage>``: the image the stage is built on; ``--from=<image>``: that
        value); None: a copy from the build context, or no such copy."""
        return None

    def mounts(self, line: CommandLine) -> list[Mount] | None:
        """What the container that runs ``line`` sees of the host or of its build context (bind mounts,
        ``COPY``), so that a path on the line can be found in the tree; None: not known."""
        return None

    def gpu_requests(self) -> list[tuple[str, Span]]:
        """Where the file asks for GPUs for a Triton server (``runtime: nvidia``, ``nvidia.com/gpu``...)."""
        return []

    def serving_predictors(self) -> list[tuple[str, str | None, Span]]:
        """The model servers a serving platform starts for the file (KFServing/KServe
        ``InferenceService`` predictors): (the predictor's key, its ``runtimeVersion`` or None, where
        the key is written). The platform picks the image: the file never names it."""
        return []

    def model_fields(self) -> dict[str, tuple[str, Span]] | None:
        """The top-level fields of a model configuration (None: not one)."""
        return None

    def charts_elsewhere(self) -> list[tuple[Span, str]]:
        """Values this file gives a Helm chart that is not in the run (a values overlay with no chart
        beside it, a GitOps release of a chart from a repository): (where, which chart). Its templates run
        the server with the image set here: its command line, probes and ports are out of sight."""
        return []

    def chart_values(self) -> list[ChartValue]:
        """Values this file gives a Helm chart of the tree from outside it (``sites.ChartValue``)."""
        return []

    def tag_variable(self, name: str) -> tuple[str, Span] | tuple[str, Span, str] | None:
        """The value of variable ``name`` and its span, when changing it changes only image tags
        (and, third, what else may set it at deploy time, when something commonly does)."""
        return None

    def resolve(self, value: str) -> str:
        """``value`` with the file's own variables substituted, where the file says what they hold."""
        return value

    def variable_values(self, name: str) -> list[Span] | None:
        """Where the file writes the values it gives its variable ``name`` (every assignment), so that what a
        command line expands can be judged as that command's words; None: the reader keeps no such record."""
        return None

    def held(self, value: str) -> str | None:
        """``value`` with each variable it names replaced by the literal the file sets that variable to once
        (``HEALTH_PORT=8005`` ... ``${HEALTH_PORT}``: a variable set once to a literal is that literal), or None
        when a variable of it is not so set (or it names none)."""
        return None

    def report_only(self) -> list[tuple[int, int, str]]:
        """Spans the document reads but cannot edit: (start, end, what to add to their findings)."""
        return []

    def advisory(self) -> list[tuple[int, int]]:
        """Spans of documentation prose: V1 named there is history (info findings, outside the gate)."""
        return []

    def blocks(self) -> list[Block]:
        """The units ``--side-by-side`` can keep and copy (services, objects, values entries)."""
        return []

    def unread(self) -> list[tuple[Span, str]]:
        """Text the reader could not read (a template line that is not YAML once its actions are
        masked), with why: it is neither searched nor edited, and must not pass in silence."""
        return []

    def shown(self, text: str) -> str:
        """``text`` (a message quoting the document) as a person should read it (a Helm template's
        masked actions written ``{{…}}``)."""
        return text

    #: what a finding whose change ``can_write`` refuses says
    unwritable = " (the change would rewrite a template action: make it by hand)"
    #: the line as that change would write it is a useful suggestion
    unwritable_shown = True

    def can_write(self, edit) -> bool:
        """Whether ``edit`` can be applied as it is (a Helm template's actions are never rewritten)."""
        return True

    def unwritable_for(self, edits) -> str:
        """What a finding whose ``edits`` ``can_write`` refuses says (``unwritable``, unless the document knows
        better what stops them)."""
        return self.unwritable

    def note(self, span: Span) -> str:
        """What the findings at ``span`` should add about where they are (e.g. a shared anchor)."""
        return ""

    # --- positions --------------------------------------------------------------------------
    @property
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            t = self.text
            i = t.find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = t.find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column (code points) of ``offset``."""
        ls = self.line_starts
        k = bisect.bisect_right(ls, offset) - 1
        col = offset - ls[k] + 1
        if k == 0 and self.text.startswith("\ufeff") and offset > 0:
            col -= 1  # the BOM is not a column
        return k + 1, col


def repository_tag_pairs(given: dict) -> list[tuple]:
    """Chart values given by their names (``image.repository``, ``image.tag``: a Helm release's
    parameters): the (repository, tag) values of each image."""
    out = []
    for key, repo in given.items():
        if key == "repository" or key.endswith(".repository"):
            tag = given.get(key[:-len("repository")] + "tag")
            if tag is not None:
                out.append((repo, tag))
    return out


def used_only_as_image_tag(texts: Iterable[str], use: str, tag_use: str) -> bool:
    """A variable (``use``: a pattern of its expansions as written) is used, and only as the tag of a
    Triton image reference (``tag_use``: the expansion as it stands after ``tensorrtserver:``),
    alone or before a V1 suffix (``${TAG}`` holding ``20.02-py3``, ``${V}-py3`` holding ``20.02``):
    changing its value changes nothing else."""
    tag = re.compile(r"(?:tensorrtserver|tritonserver):" + tag_use + r"(?:(?:-v1)?-py3(?:-clientsdk)?)?(?![\w.-])")
    use_re = re.compile(use)
    uses = tags = 0
    for t in texts:
        uses += len(use_re.findall(t))
        tags += len(tag.findall(t))
    return uses > 0 and uses == tags
