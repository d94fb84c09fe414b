"""V1 client programs migrated with ``--unsafe-fixes`` run against the real 2.51.0 server (issue 16).

Every V1 example client of the last V1 release line (``../shared/corpus/clients/v1``) is migrated by the
command line, as a user runs it, then run against one ``tritonserver`` (from ``nvidia-pytriton``) that
serves Python-backend models with the contracts of the examples' models (tests/clientmodels.py), over
HTTP and over gRPC where the example takes a protocol. Each program's own checks must pass (it exits 0)
and it must print what the V1 program printed: the expected texts below are written from the V1
programs' code and the V1 client library's semantics (``tensorrtserver_api__init__.py`` beside them):
one list entry per batch entry, string results as ``bytes``, CLASS results as ``(index, value, label)``
with the value a C float, ``get_stat()``'s four keys in V1's order.

Where V1's output cannot be had from V2 the migration says so, and the test holds the migrated program
to what the finding promises: ``get_server_status()`` (V1's ServerStatus message: V2 has no uptime and
no request statistics; the adapter's message carries what V2 reports, shown exactly below), and the
timings of ``get_stat()`` (different on every run, in V1 too: any number). The CUDA shared-memory
examples need a GPU: their findings are checked instead.

Both strategies run: the native rewrite (no adapter import left) on ``simple_string_client.py`` and on
``health_classify_client.py`` below (a V1 program of the same kind as the examples, for what the
examples do not use: health, CLASS results, the exception), the client adapter on the rest.
"""

from __future__ import annotations

import difflib
import json
import os
import pathlib
import re
import subprocess
import sys

import pytest

import clientmodels
import realserver as R
from conftest import shared_dir

#: every V1 example client in the corpus, and what the migration makes of it
NATIVE = ("simple_string_client.py",)
ADAPTER = ("simple_client.py", "simple_shm_client.py", "simple_sequence_client.py", "image_client.py",
           "grpc_image_client.py", "ensemble_image_client.py")
CUDA = ("simple_cuda_shm_client.py", "simple_cuda_shm_string_client.py")
LIBRARY = "tensorrtserver_api__init__.py"  # the V1 client library itself: the reference, not a program

#: a V1 program written against the V1 API as the examples are (the V1 library's signatures), for the
#: native forms the examples do not reach: health, CLASS results of a batch of two, the exception
HEALTH_CLASSIFY = '''#!/usr/bin/env python
# A V1 client: server health, then the top classes of two images in one batch.
import argparse
import numpy as np
from tensorrtserver.api import InferContext, InferenceServerException, ProtocolType, ServerHealthContext

if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('-u', '--url', type=str, required=False, default='localhost:8000')
    parser.add_argument('-i', '--protocol', type=str, required=False, default='http')
    FLAGS = parser.parse_args()
    protocol = ProtocolType.from_str(FLAGS.protocol)

    health_ctx = ServerHealthContext(FLAGS.url, protocol)
    print("Live: {}".format(health_ctx.is_live()))
    print("Ready: {}".format(health_ctx.is_ready()))

    ctx = InferContext(FLAGS.url, protocol, "image_classifier", -1)
    images = [np.zeros((3, 8, 8), dtype=np.float32), np.ones((3, 8, 8), dtype=np.float32)]
    result = ctx.run({ 'INPUT' : images },
                     { 'OUTPUT' : (InferContext.ResultFormat.CLASS, 3) },
                     2)
    for b, classes in enumerate(result['OUTPUT']):
        print("Image {}:".format(b))
        for idx, value, label in classes:
            print("    {} ({}) = {}".format(idx, label, value))

    try:
        missing = InferContext(FLAGS.url, protocol, "no_such_model", -1)
    except InferenceServerException as e:
        print("no_such_model: InferenceServerException")
'''

# --- what the V1 programs printed ------------------------------------------------------------------

#: simple / simple_shm: INPUT0 = 0..15, INPUT1 = ones; the model adds and subtracts (int32 results)
SUMS = """\
0 + 1 = 1
0 - 1 = -1
1 + 1 = 2
1 - 1 = 0
2 + 1 = 3
2 - 1 = 1
3 + 1 = 4
3 - 1 = 2
4 + 1 = 5
4 - 1 = 3
5 + 1 = 6
5 - 1 = 4
6 + 1 = 7
6 - 1 = 5
7 + 1 = 8
7 - 1 = 6
8 + 1 = 9
8 - 1 = 7
9 + 1 = 10
9 - 1 = 8
10 + 1 = 11
10 - 1 = 9
11 + 1 = 12
11 - 1 = 10
12 + 1 = 13
12 - 1 = 11
13 + 1 = 14
13 - 1 = 12
14 + 1 = 15
14 - 1 = 13
15 + 1 = 16
15 - 1 = 14
"""

#: simple_string: the inputs are str objects, V1 returned the outputs as bytes objects
STRING_SUMS = """\
0 + 1 = b'1'
0 - 1 = b'-1'
1 + 1 = b'2'
1 - 1 = b'0'
2 + 1 = b'3'
2 - 1 = b'1'
3 + 1 = b'4'
3 - 1 = b'2'
4 + 1 = b'5'
4 - 1 = b'3'
5 + 1 = b'6'
5 - 1 = b'4'
6 + 1 = b'7'
6 - 1 = b'5'
7 + 1 = b'8'
7 - 1 = b'6'
8 + 1 = b'9'
8 - 1 = b'7'
9 + 1 = b'10'
9 - 1 = b'8'
10 + 1 = b'11'
10 - 1 = b'9'
11 + 1 = b'12'
11 - 1 = b'10'
12 + 1 = b'13'
12 - 1 = b'11'
13 + 1 = b'14'
13 - 1 = b'12'
14 + 1 = b'15'
14 - 1 = b'13'
15 + 1 = b'16'
15 - 1 = b'14'
"""

HEALTH = """\
Health for model simple
Live: True
Ready: True
"""

#: ``print(status_ctx.get_server_status())``: V1 printed its ServerStatus message (id "inference:0", its
#: version, uptime_ns, each version's infer_stats ...). The migrated program prints the adapter's
#: ServerStatus, made of what 2.51.0 reports: the same message and field names, the server's name and
#: version, its readiness, the model's configuration as the server completed it, each version's
#: readiness (and its inference and execution counts, which depend on the requests before: left out of
#: the comparison, see _comparable). The finding at the call says which fields are gone.
STATUS = """\
Status for model simple
id: "triton"
version: "2.51.0"
ready_state: SERVER_READY
model_status {
  key: "simple"
  value {
    config {
      name: "simple"
      version_policy {
        latest {
          num_versions: 1
        }
      }
      max_batch_size: 8
      input {
        name: "INPUT0"
        data_type: TYPE_INT32
        dims: 16
      }
      input {
        name: "INPUT1"
        data_type: TYPE_INT32
        dims: 16
      }
      output {
        name: "OUTPUT0"
        data_type: TYPE_INT32
        dims: 16
      }
      output {
        name: "OUTPUT1"
        data_type: TYPE_INT32
        dims: 16
      }
      instance_group {
        name: "simple_0"
        count: 1
        kind: KIND_CPU
      }
      default_model_filename: "model.py"
      optimization {
        input_pinned_memory {
          enable: true
        }
        output_pinned_memory {
          enable: true
        }
      }
      backend: "python"
    }
    version_status {
      key: 1
      value {
        ready_state: MODEL_READY
      }
    }
  }
}

"""

#: ``get_stat()`` after one request, keys in V1's order; the times differ on every run (<ns>: a number)
STATS = """\
====Infer Statistcs====
completed_request_count: 1
cumulative_total_request_time_ns: <ns>
cumulative_send_time_ns: <ns>
cumulative_receive_time_ns: <ns>
======================= 


"""

#: ``print(shared_memory_ctx.get_shared_memory_status())`` with the four regions registered: V1's
#: SharedMemoryStatus in text format (regions by name, offset 0 left out as protobuf does)
SHM_STATUS = "".join(f"""\
shared_memory_region {{
  name: "{name}_data"
  system_shared_memory {{
    shared_memory_key: "/{name}_simple"
  }}
  byte_size: 64
}}
""" for name in ("input0", "input1", "output0", "output1")) + "\n"

#: the sequence accumulator: 0 then 11, 7, 5, 3, 2, 0, 1 added; 100 then the same subtracted
SEQUENCE = """\
[0] 0 : 100
[1] 11 : 89
[2] 18 : 82
[3] 23 : 77
[4] 26 : 74
[5] 28 : 72
[6] 28 : 72
[7] 29 : 71
"""


def _classes(k: int) -> str:
    """The top ``k`` classes of the classifier (tests/clientmodels.py: fixed scores), as the V1 image
    examples print them: ``index (label) = value``."""
    top = ["    1 (goldfish) = 0.5\n", "    3 (tiger shark) = 0.25\n", "    5 (electric ray) = 0.125\n"]
    return "".join(top[:k])


IMAGES_3 = "".join(f"Request {i}, batch size 1\nImage 'imgs/img{i}.jpg':\n" + _classes(3) for i in range(3))
IMAGES_B2 = ("Request 0, batch size 2\nImage 'imgs/img0.jpg':\n" + _classes(2) + "Image 'imgs/img1.jpg':\n"
             + _classes(2) + "Request 1, batch size 2\nImage 'imgs/img2.jpg':\n" + _classes(2)
             + "Image 'imgs/img0.jpg':\n" + _classes(2))
IMAGES_GRPC = ("Request 0, batch size 2\nImage 'imgs/img0.jpg':\n" + _classes(3) + "Image 'imgs/img1.jpg':\n"
               + _classes(3) + "Request 1, batch size 2\nImage 'imgs/img2.jpg':\n" + _classes(3)
               + "Image 'imgs/img0.jpg':\n" + _classes(3))
IMAGES_1 = "".join(f"Request {i}, batch size 1\nImage 'imgs/img{i}.jpg':\n" + _classes(1) for i in range(3))
ENSEMBLE = "".join(f"Image 'imgs/img{i}.jpg':\n" + _classes(3) for i in range(3))
HEALTH_CLASSES = ("Live: True\nReady: True\nImage 0:\n" + _classes(3) + "Image 1:\n" + _classes(3)
                  + "no_such_model: InferenceServerException\n")

#: (program, arguments with {http}/{grpc} for the server's ports, expected output, order matters)
CASES = [
    ("simple_string_client.py", ("-u", "localhost:{http}"), STRING_SUMS, True),
    ("simple_string_client.py", ("-u", "localhost:{grpc}", "-i", "grpc"), STRING_SUMS, True),
    ("health_classify_client.py", ("-u", "localhost:{http}"), HEALTH_CLASSES, True),
    ("health_classify_client.py", ("-u", "localhost:{grpc}", "-i", "grpc"), HEALTH_CLASSES, True),
    ("simple_client.py", ("-u", "localhost:{http}"), HEALTH + STATUS + STATS + SUMS, True),
    ("simple_client.py", ("-u", "localhost:{grpc}", "-i", "grpc"), HEALTH + STATUS + STATS + SUMS, True),
    ("simple_shm_client.py", ("-u", "localhost:{http}"), HEALTH + STATUS + SUMS + SHM_STATUS, True),
    ("simple_shm_client.py", ("-u", "localhost:{grpc}", "-i", "grpc"), HEALTH + STATUS + SUMS + SHM_STATUS, True),
    # gRPC only (V1's example hard-codes it): one streaming and one plain context, reversed, both
    # streaming with asynchronous requests
    ("simple_sequence_client.py", ("-u", "localhost:{grpc}"), "streaming : non-streaming\n" + SEQUENCE, True),
    ("simple_sequence_client.py", ("-u", "localhost:{grpc}", "-r"), "non-streaming : streaming\n" + SEQUENCE, True),
    ("simple_sequence_client.py", ("-u", "localhost:{grpc}", "-a"), "streaming : streaming\n" + SEQUENCE, True),
    ("image_client.py", ("-m", "image_classifier", "-c", "3", "-u", "localhost:{http}", "imgs"), IMAGES_3, True),
    ("image_client.py", ("-m", "image_classifier", "-c", "3", "-u", "localhost:{grpc}", "-i", "gRPC", "imgs"),
     IMAGES_3, True),
    # asynchronous: V1 printed the requests in the order they completed ("Request N" numbers that order)
    ("image_client.py", ("-m", "image_classifier", "-c", "2", "-b", "2", "-a", "-u", "localhost:{http}", "imgs"),
     IMAGES_B2, False),
    ("image_client.py", ("-m", "image_classifier", "-c", "1", "--streaming", "-i", "grpc", "-u", "localhost:{grpc}",
                         "imgs"), IMAGES_1, True),
    # the V1 gRPC service itself (grpc_service_pb2_grpc.GRPCServiceStub): Status, Infer, Infer.future,
    # StreamInfer
    ("grpc_image_client.py", ("-m", "image_classifier", "-c", "3", "-b", "2", "-u", "localhost:{grpc}", "imgs"),
     IMAGES_GRPC, True),
    ("grpc_image_client.py", ("-m", "image_classifier", "-c", "1", "-a", "-u", "localhost:{grpc}", "imgs"),
     IMAGES_1, True),
    ("grpc_image_client.py", ("-m", "image_classifier", "-c", "1", "--streaming", "-u", "localhost:{grpc}", "imgs"),
     IMAGES_1, True),
    ("ensemble_image_client.py", ("-c", "3", "-u", "localhost:{http}", "imgs"), ENSEMBLE, True),
    ("ensemble_image_client.py", ("-c", "3", "-i", "grpc", "-u", "localhost:{grpc}", "imgs"), ENSEMBLE, True),
]


# --- the set-up: one migration, one server ---------------------------------------------------------

def _corpus() -> pathlib.Path:
    return shared_dir() / "corpus" / "clients" / "v1"


@pytest.fixture(scope="module")
def migrated(tmp_path_factory):
    """The V1 programs copied to a folder and migrated there by the command line with --unsafe-fixes:
    (folder, the JSON report, the programs' V1 text by name)."""
    work = tmp_path_factory.mktemp("clients")
    v1 = {}
    for p in sorted(_corpus().glob("*.py")):
        if p.name != LIBRARY:
            v1[p.name] = p.read_text()
    v1["health_classify_client.py"] = HEALTH_CLASSIFY
    for name, text in v1.items():
        (work / name).write_text(text)
    clientmodels.images(work / "imgs")
    p = subprocess.run([sys.executable, "-m", "triton_docker_migrate", "migrate", "--unsafe-fixes", "--format",
                        "json", "."], cwd=work, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return work, json.loads(p.stdout), v1


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    b = R.binary()
    assert b.serves_python_models, f"the {b.release} wheel ships no Python backend stub for this interpreter"
    repo = clientmodels.build(tmp_path_factory.mktemp("client-models") / "models")
    with R.running(["tritonserver", "--model-repository=/models"], repo, python_models=True) as srv:
        assert srv.ready, srv.result(None).explain()
        yield srv


def _run(folder: pathlib.Path, program: str, args, srv) -> subprocess.CompletedProcess:
    argv = [a.format(http=srv.ports[0], grpc=srv.ports[1]) for a in args]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([sys.executable, program, *argv], cwd=folder, capture_output=True, text=True,
                          timeout=120, env=env, stdin=subprocess.DEVNULL)


_COUNTS = re.compile(r"^ *model_(?:execution|inference)_count: \d+\n", re.M)


def _comparable(out: str) -> str:
    """The output without what depends on the requests other cases sent before (a version's inference
    and execution counts in the status; V1's per-version statistics did the same)."""
    return _COUNTS.sub("", out)


def _requests(text: str) -> list[str]:
    """The "Request N" blocks of an image client's output, numbers dropped, in a fixed order."""
    blocks = re.split(r"^Request \d+, ", text, flags=re.M)
    return sorted(blocks)


def _matches(expected: str, got: str) -> bool:
    pattern = "".join(r"\d+" if part == "<ns>" else re.escape(part) for part in re.split(r"(<ns>)", expected))
    return re.fullmatch(pattern, got) is not None


# --- the migration ---------------------------------------------------------------------------------

def test_every_v1_example_is_covered():
    names = {p.name for p in _corpus().glob("*.py")} - {LIBRARY}
    assert names == set(NATIVE + ADAPTER + CUDA)


def test_the_v1_library_is_not_there():
    """The migrated programs cannot lean on the V1 client: it is not installed."""
    p = subprocess.run([sys.executable, "-c", "import tensorrtserver"], capture_output=True, text=True)
    assert p.returncode != 0


def test_strategies(migrated):
    work, report, v1 = migrated
    files = {f["path"]: f for f in report["files"]}
    adapter = work / "triton_v1_compat.py"
    from triton_docker_migrate.clientadapter import text as adapter_text

    assert adapter.read_text() == adapter_text()
    assert files["triton_v1_compat.py"]["changed"] is True
    for name in NATIVE + ("health_classify_client.py",):
        new = (work / name).read_text()
        assert files[name]["changed"] is True
        assert "tensorrtserver" not in new and "triton_v1_compat" not in new, name
        assert "import tritonclient.http" in new and "import tritonclient.grpc" in new
    for name in ADAPTER:
        new = (work / name).read_text()
        assert files[name]["changed"] is True
        assert "tensorrtserver" not in new, name
        assert "from triton_v1_compat import " in new, name
        # only imports changed: the program's code is the V1 code
        old_lines, new_lines = v1[name].splitlines(), new.splitlines()
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old_lines, new_lines).get_opcodes():
            if tag != "equal":
                changed = old_lines[i1:i2] + new_lines[j1:j2]
                assert all(line.lstrip().startswith(("import ", "from ")) for line in changed), (name, changed)
    for name in CUDA:
        assert (work / name).read_text() == v1[name]
        assert files[name]["changed"] is False
    fixed = [f for f in report["findings"] if f["fixed"]]
    assert fixed and all(f["rule"] == "TDM603" and f["severity"] == "warning" for f in fixed)


def test_cuda_examples_are_reported(migrated):
    """No GPU here: the CUDA shared-memory examples are left as they are, each V1 use a warning with
    its V2 replacement, and the imports say why the program is not rewritten."""
    _, report, _ = migrated
    why = ("--unsafe-fixes does not rewrite this program: CUDA shared memory has no exact V2 form here: V2 "
           "registers a CUDA region by its raw IPC handle and device (client.register_cuda_shared_memory(name, "
           "tritonclient.utils.cuda_shared_memory.get_raw_handle(handle), device_id, byte_size))")
    register = ("V1 client SharedMemoryControlContext.cuda_register: V2 has client.register_cuda_shared_memory("
                "name, tritonclient.utils.cuda_shared_memory.get_raw_handle(handle), device_id, byte_size); V2 "
                "registers a CUDA region by its raw handle")
    for name, lines, registers in (
            ("simple_cuda_shm_client.py", [32, 33, 53, 64, 67, 68, 71, 74, 77, 81, 97, 98, 109, 110, 115, 117, 118,
                                           139, 140], [97, 98, 109, 110]),
            ("simple_cuda_shm_string_client.py", [32, 33, 53, 65, 68, 85, 86, 99, 100, 111, 112, 117, 119, 120, 143,
                                                  144], [99, 100, 111, 112])):
        found = [f for f in report["findings"] if f["path"] == name]
        assert [f["line"] for f in found] == lines
        assert all(f["rule"] == "TDM603" and f["severity"] == "warning" and not f["fixed"] and f["suggestion"]
                   for f in found)
        imports = [f for f in found if f["message"].startswith("imports")]
        assert [f["line"] for f in imports] == [32, 33]
        assert all(f["message"].endswith(why) for f in imports)
        assert imports[1]["message"].startswith("imports the V1 client library tensorrtserver.cuda_shared_memory: "
                                                "V2 has tritonclient.utils.cuda_shared_memory")
        assert [f["line"] for f in found if f["message"] == register] == registers


# --- the programs, live -----------------------------------------------------------------------------

@pytest.mark.parametrize("program,args,expected,ordered", CASES,
                         ids=[f"{c[0][:-3]}-{k}" for k, c in enumerate(CASES)])
def test_migrated_program_prints_what_v1_printed(program, args, expected, ordered, migrated, server):
    work, _, _ = migrated
    p = _run(work, program, args, server)
    assert p.returncode == 0, f"{program} {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}"
    got = _comparable(p.stdout)
    if ordered:
        assert _matches(expected, got), f"expected:\n{expected}\ngot:\n{got}\nstderr:\n{p.stderr}"
    else:
        assert _requests(got) == _requests(expected), got
