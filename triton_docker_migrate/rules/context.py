"""What the rules of one document learn as they run, for the rules that follow."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Context:
    """What the command lines taught us, for follow-through rules."""

    health_ports: dict[str, str] = field(default_factory=dict)  #: removed health port -> HTTP port
    uses_tensorflow: bool = False
    v1_server: bool = False  #: a V1 server command line or image was migrated
