"""The client adapter (``triton_v1_compat``, the module ``--unsafe-fixes`` writes beside V1 client
programs) on its own, against the real 2.51.0 server: the V1 client API's behaviour - the shapes V1's
``InferContext`` took and returned, sequences, asynchronous requests, streaming, status, system shared
memory, the V1 gRPC service and its errors - over HTTP and gRPC.

The module under test is the text the tool writes (header included), written to a folder and imported
from there as a migrated program imports it. V1's behaviour is the V1 client library's
(``../shared/corpus/clients/v1/tensorrtserver_api__init__.py``, v1.12); the models are
tests/clientmodels.py's.
"""

from __future__ import annotations

import ast
import importlib
import os
import queue
import subprocess
import sys
import threading
from functools import partial

import numpy as np
import pytest

import clientmodels
import realserver as R
from triton_docker_migrate.clientadapter import NAME, is_adapter, text, version_of
from triton_docker_migrate import __version__
from triton_docker_migrate.rules import tables as T

MODELS = ("simple", "simple_string", "simple_sequence", "image_classifier")
PROTOCOLS = ("http", "grpc")


@pytest.fixture(scope="module")
def adapter(tmp_path_factory):
    """The adapter as written for a program, imported from its folder."""
    folder = tmp_path_factory.mktemp("adapter")
    (folder / f"{NAME}.py").write_text(text())
    sys.path.insert(0, str(folder))
    try:
        for name in [m for m in sys.modules if m == NAME or m.startswith(NAME + ".")]:
            del sys.modules[name]
        module = importlib.import_module(NAME)
        assert module.__file__ == str(folder / f"{NAME}.py")
        yield module
    finally:
        sys.path.remove(str(folder))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    b = R.binary()
    assert b.serves_python_models, f"the {b.release} wheel ships no Python backend stub for this interpreter"
    repo = clientmodels.build(tmp_path_factory.mktemp("adapter-models") / "models", MODELS)
    with R.running(["tritonserver", "--model-repository=/models"], repo, python_models=True) as srv:
        assert srv.ready, srv.result(None).explain()
        yield srv


@pytest.fixture(params=PROTOCOLS)
def conn(request, adapter, server):
    """(url, ProtocolType) of the server for each protocol."""
    if request.param == "http":
        return f"localhost:{server.ports[0]}", adapter.ProtocolType.HTTP
    return f"localhost:{server.ports[1]}", adapter.ProtocolType.GRPC




def _raw(a):
    return a.InferContext.ResultFormat.RAW


def _class(a, k):
    return (a.InferContext.ResultFormat.CLASS, k)


# --- the module itself ------------------------------------------------------------------------------

def test_header_names_the_version():
    written = text()
    assert written.startswith(f"# triton-docker-migrate {__version__}: V1 client adapter - ")
    assert version_of(written.encode()) == __version__ and is_adapter(written.encode())


def test_depends_on_tritonclient_and_numpy_only():
    tree = ast.parse(text())
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            roots.add(node.module.split(".")[0])
    # google.protobuf comes with tritonclient[grpc] (its model configuration messages)
    assert roots - set(sys.stdlib_module_names) == {"numpy", "tritonclient", "google"}


def test_surface_is_implemented(adapter):
    """Every V1 name the rewrite sends to the adapter (rules/tables.py ADAPTER_SURFACE) is there."""
    missing = []
    for name in sorted(T.ADAPTER_SURFACE - {"*"}):
        obj = adapter
        for part in name.split("."):
            if not hasattr(obj, part):
                missing.append(name)
                break
            obj = getattr(obj, part)
    assert missing == []


def test_submodules_import_as_v1s_did(adapter):
    from triton_v1_compat import api_pb2, grpc_service_pb2, grpc_service_pb2_grpc, model_config_pb2  # noqa: F401
    import triton_v1_compat.server_status_pb2 as server_status  # noqa: F401
    from triton_v1_compat.shared_memory import create_shared_memory_region  # noqa: F401

    # V2 kept V1's model configuration messages and enum values
    assert model_config_pb2.TYPE_FP32 == 11 and model_config_pb2.ModelInput.FORMAT_NCHW == 2
    assert api_pb2.InferRequestHeader.FLAG_SEQUENCE_START == 1 and api_pb2.InferRequestHeader.FLAG_SEQUENCE_END == 2
    assert server_status.MODEL_READY == 1 and server_status.SERVER_READY == 2


def test_protocol_type(adapter):
    P = adapter.ProtocolType
    assert P.from_str("HTTP") is P.HTTP and P.from_str("gRPC") is P.GRPC and int(P.GRPC) == 1
    with pytest.raises(Exception) as e:
        P.from_str("udp")
    assert str(e.value) == "unexpected protocol: udp, expecting HTTP or gRPC"


def test_serialize_string_tensor(adapter):
    out = adapter.serialize_string_tensor(np.array(["7", "10"], dtype=object))
    assert out.item() == b"\x01\x00\x00\x007\x02\x00\x00\x0010"
    with pytest.raises(adapter.InferenceServerException):
        adapter.serialize_string_tensor(np.array([1, 2], dtype=np.int32))


# --- health, status, repository -------------------------------------------------------------------

def test_health(adapter, conn):
    ctx = adapter.ServerHealthContext(*conn)
    assert ctx.is_live() is True and ctx.is_ready() is True
    assert ctx.get_last_request_id() == 2


@pytest.mark.parametrize("proto", PROTOCOLS)
def test_unreachable_server_is_v1s_exception(adapter, proto):
    p = adapter.ProtocolType.from_str(proto)
    port = R.free_ports(1)[0]
    with pytest.raises(adapter.InferenceServerException):
        adapter.ServerHealthContext(f"localhost:{port}", p).is_ready()


def test_status(adapter, conn):
    status = adapter.ServerStatusContext(*conn, model_name="simple").get_server_status()
    assert status.id == "triton" and status.version == "2.51.0"
    assert status.ready_state == adapter.server_status_pb2.SERVER_READY
    assert list(status.model_status) == ["simple"]
    model = status.model_status["simple"]
    assert model.config.name == "simple" and model.config.max_batch_size == 8
    assert [i.name for i in model.config.input] == ["INPUT0", "INPUT1"]
    assert model.config.input[0].data_type == adapter.model_config_pb2.TYPE_INT32
    assert list(model.version_status) == [1]
    assert model.version_status[1].ready_state == adapter.server_status_pb2.MODEL_READY
    # what V2 dropped raises, as the migration's finding says
    with pytest.raises(adapter.V1FieldDropped):
        status.uptime_ns
    with pytest.raises(AttributeError):
        model.version_status[1].infer_stats


def test_status_of_every_model(adapter, conn):
    status = adapter.ServerStatusContext(*conn).get_server_status()
    assert sorted(status.model_status) == sorted(MODELS)
    with pytest.raises(adapter.InferenceServerException):
        adapter.ServerStatusContext(*conn, model_name="no_such_model").get_server_status()


def test_repository_index(adapter, conn):
    index = adapter.ModelRepositoryContext(*conn).get_model_repository_index()
    assert sorted(m.name for m in index.models) == sorted(MODELS)


# --- inference ------------------------------------------------------------------------------------

def test_run_keeps_v1_shapes(adapter, conn):
    """One array per batch entry in (no batch dimension), one list entry per batch entry out."""
    ctx = adapter.InferContext(*conn, "simple", -1)
    a = np.arange(16, dtype=np.int32)
    b = np.full(16, 3, dtype=np.int32)
    out = ctx.run({"INPUT0": (a, b), "INPUT1": (b, b)}, {"OUTPUT0": _raw(adapter), "OUTPUT1": _raw(adapter)}, 2)
    assert sorted(out) == ["OUTPUT0", "OUTPUT1"]
    assert [x.tolist() for x in out["OUTPUT0"]] == [(a + b).tolist(), (b + b).tolist()]
    assert [x.tolist() for x in out["OUTPUT1"]] == [(a - b).tolist(), [0] * 16]
    assert all(x.dtype == np.int32 and x.shape == (16,) for x in out["OUTPUT0"])
    assert ctx.get_last_request_model_name() == "simple" and ctx.get_last_request_model_version() == 1
    assert ctx.get_stat()["completed_request_count"] == 1
    with pytest.raises(adapter.InferenceServerException):
        ctx.run({"INPUT0": (a,), "INPUT1": (b,)}, {"OUTPUT0": _raw(adapter)}, 2)  # 1 value for a batch of 2


def test_strings(adapter, conn):
    ctx = adapter.InferContext(*conn, "simple_string", -1)
    x = np.array([str(k) for k in range(16)], dtype=object)
    one = np.array(["1"] * 16, dtype=object)
    out = ctx.run({"INPUT0": (x,), "INPUT1": (one,)}, {"OUTPUT0": _raw(adapter)}, 1)
    assert out["OUTPUT0"][0].tolist() == [str(k + 1).encode() for k in range(16)]  # V1: bytes objects


def test_classes(adapter, conn):
    ctx = adapter.InferContext(*conn, "image_classifier", -1)
    img = np.zeros((3, clientmodels.H, clientmodels.W), dtype=np.float32)
    out = ctx.run({"INPUT": (img, img)}, {"OUTPUT": _class(adapter, 2)}, 2)
    assert out == {"OUTPUT": [[(1, 0.5, "goldfish"), (3, 0.25, "tiger shark")]] * 2}
    assert all(type(i) is int and type(v) is float for row in out["OUTPUT"] for i, v, _ in row)


def test_sequence_flags_and_correlation_id(adapter, conn):
    F = adapter.InferRequestHeader
    ctx = adapter.InferContext(*conn, "simple_sequence", -1, correlation_id=4242 + int(conn[1]))
    assert ctx.correlation_id() == 4242 + int(conn[1])
    got = []
    for value, flags in ((10, F.FLAG_SEQUENCE_START), (5, F.FLAG_NONE), (-2, F.FLAG_SEQUENCE_END)):
        got.append(ctx.run({"INPUT": (np.array([value], np.int32),)}, {"OUTPUT": _raw(adapter)}, 1,
                           flags=flags)["OUTPUT"][0].tolist())
    assert got == [[10], [15], [13]]


def test_async_run_with_callback(adapter, conn):
    ctx = adapter.InferContext(*conn, "simple", -1)
    done: queue.Queue = queue.Queue()
    ids = []
    for k in range(4):
        a = np.full(16, k, dtype=np.int32)
        ctx.async_run(partial(lambda q, c, rid: q.put((c, rid)), done), {"INPUT0": (a,), "INPUT1": (a,)},
                      {"OUTPUT0": _raw(adapter)}, 1)
    results = {}
    for _ in range(4):
        c, rid = done.get(timeout=60)
        assert c is ctx
        ids.append(rid)
        results[rid] = c.get_async_run_results(rid)["OUTPUT0"][0].tolist()
    assert sorted(ids) == [1, 2, 3, 4]
    assert [results[k] for k in sorted(ids)] == [[2 * k] * 16 for k in range(4)]
    assert ctx.get_stat()["completed_request_count"] == 4
    ctx.close()


def test_async_run_without_callback(adapter, conn):
    """V1's older form: async_run(inputs, outputs, batch_size) returns the request id."""
    ctx = adapter.InferContext(*conn, "simple", -1)
    a = np.ones(16, dtype=np.int32)
    rid = ctx.async_run({"INPUT0": (a,), "INPUT1": (a,)}, {"OUTPUT1": _raw(adapter)}, 1)
    assert ctx.get_ready_async_request(True) == rid
    assert ctx.get_async_run_results(rid)["OUTPUT1"][0].tolist() == [0] * 16
    with pytest.raises(adapter.InferenceServerException):
        ctx.get_async_run_results(rid)  # handed out once
    ctx.close()


def test_streaming_is_grpc_only(adapter, server):
    with pytest.raises(adapter.InferenceServerException) as e:
        adapter.InferContext(f"localhost:{server.ports[0]}", adapter.ProtocolType.HTTP, "simple", -1, streaming=True)
    assert e.value.message() == "Streaming is only allowed with gRPC protocol"


def test_streaming_sequence_and_exit(adapter, server, tmp_path):
    """Two sequences on one gRPC stream, as V1's streaming context sent them; the program ends
    without closing the context (V1's went with the process)."""
    program = tmp_path / "prog.py"
    program.write_text(
        "import numpy as np\n"
        "from triton_v1_compat import *\n"
        f"ctx = InferContext('localhost:{server.ports[1]}', ProtocolType.GRPC, 'simple_sequence', -1,\n"
        "                   correlation_id=900, streaming=True)\n"
        "F = InferRequestHeader\n"
        "out = []\n"
        "for corr, values in ((901, (1, 2, 3)), (902, (10, 20, 30))):\n"
        "    for k, v in enumerate(values):\n"
        "        flags = F.FLAG_SEQUENCE_START if k == 0 else F.FLAG_SEQUENCE_END if k == 2 else F.FLAG_NONE\n"
        "        r = ctx.run({'INPUT': (np.array([v], np.int32),)}, {'OUTPUT': InferContext.ResultFormat.RAW}, 1,\n"
        "                    flags=flags, corr_id=corr)\n"
        "        out.append(int(r['OUTPUT'][0][0]))\n"
        "print(out)\n")
    (tmp_path / f"{NAME}.py").write_text(text())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    p = subprocess.run([sys.executable, str(program)], capture_output=True, text=True, timeout=60, env=env,
                       cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert (p.returncode, p.stdout) == (0, "[1, 3, 6, 10, 30, 60]\n"), p.stderr


def test_errors(adapter, conn):
    with pytest.raises(adapter.InferenceServerException) as e:
        adapter.InferContext(*conn, "no_such_model", -1)
    err = e.value
    from tritonclient.utils import InferenceServerException as V2Exception

    assert isinstance(err, V2Exception)  # code catching either exception still catches it
    assert isinstance(err.message(), str) and err.message()
    assert err.server_id() is None and err.request_id() == 0
    ctx = adapter.InferContext(*conn, "simple", -1)
    with pytest.raises(adapter.InferenceServerException):
        ctx.run({"NOT_AN_INPUT": (np.zeros(16, np.int32),)}, {"OUTPUT0": _raw(adapter)}, 1)


def test_http_headers(adapter, server):
    url = f"localhost:{server.ports[0]}"
    assert adapter.ServerHealthContext(url, adapter.ProtocolType.HTTP, http_headers=["X-Test: 1"]).is_ready()
    with pytest.raises(adapter.InferenceServerException):
        adapter.ServerHealthContext(url, adapter.ProtocolType.HTTP, http_headers=["no colon"])


# --- system shared memory -------------------------------------------------------------------------

def test_system_shared_memory(adapter, conn):
    shm = adapter.shared_memory
    tag = f"{os.getpid()}_{int(conn[1])}"
    ctl = adapter.SharedMemoryControlContext(*conn)
    ctx = adapter.InferContext(*conn, "simple", -1)
    a = np.arange(16, dtype=np.int32)
    b = np.full(16, 2, dtype=np.int32)
    handles = {n: shm.create_shared_memory_region(f"{n}_{tag}", f"/tdm_{n}_{tag}", 64)
               for n in ("in0", "in1", "out0", "out1")}
    try:
        shm.set_shared_memory_region(handles["in0"], [a])
        shm.set_shared_memory_region(handles["in1"], [b])
        for h in handles.values():
            ctl.register(h)
        status = ctl.get_shared_memory_status()
        mine = sorted(r.name for r in status.shared_memory_region if r.name.endswith(tag))
        assert mine == sorted(f"{n}_{tag}" for n in handles)
        region = next(r for r in status.shared_memory_region if r.name == f"in0_{tag}")
        assert (region.system_shared_memory.shared_memory_key, region.byte_size) == (f"/tdm_in0_{tag}", 64)
        out = ctx.run({"INPUT0": (handles["in0"], [16]), "INPUT1": handles["in1"]},
                      {"OUTPUT0": (_raw(adapter), handles["out0"]), "OUTPUT1": (_raw(adapter), handles["out1"])}, 1)
        assert out["OUTPUT0"][0].tolist() == (a + b).tolist() and out["OUTPUT1"][0].tolist() == (a - b).tolist()
        ctl.unregister(handles["in0"])
        left = [r.name for r in ctl.get_shared_memory_status().shared_memory_region if r.name.endswith(tag)]
        assert f"in0_{tag}" not in left and f"in1_{tag}" in left
    finally:
        for h in handles.values():
            try:
                ctl.unregister(h)
            except adapter.InferenceServerException:
                pass
            shm.destroy_shared_memory_region(h)
    with pytest.raises(adapter.InferenceServerException):
        ctl.cuda_register(object())  # CUDA shared memory is not the adapter's


# --- the V1 gRPC service on a V2 channel ------------------------------------------------------------

def test_grpc_service(adapter, server):
    import grpc

    channel = grpc.insecure_channel(f"localhost:{server.ports[1]}")
    stub = adapter.grpc_service_pb2_grpc.GRPCServiceStub(channel)
    pb = adapter.grpc_service_pb2
    health = stub.Health(pb.HealthRequest(mode="ready"))
    assert health.health is True and health.request_status.code == adapter.request_status_pb2.SUCCESS
    status = stub.Status(pb.StatusRequest(model_name="simple")).server_status
    assert list(status.model_status) == ["simple"]
    request = pb.InferRequest(model_name="simple", model_version=-1)
    request.meta_data.batch_size = 1
    request.meta_data.input.add(name="INPUT0")
    request.meta_data.input.add(name="INPUT1")
    request.meta_data.output.add(name="OUTPUT0")
    a = np.arange(16, dtype=np.int32)
    request.raw_input.extend([a.tobytes(), np.ones(16, np.int32).tobytes()])
    response = stub.Infer(request)
    assert response.request_status.code == adapter.request_status_pb2.SUCCESS
    assert np.frombuffer(response.raw_output[0], np.int32).tolist() == (a + 1).tolist()
    assert list(response.meta_data.output[0].raw.dims) == [16]
    assert stub.Infer.future(request).result().raw_output == response.raw_output
    missing = stub.Infer(pb.InferRequest(model_name="no_such_model", model_version=-1))
    assert missing.request_status.code == adapter.request_status_pb2.RequestStatusCode.Value("NOT_FOUND")
    channel.close()


def test_threads_share_a_context(adapter, conn):
    """V1's contexts were used from several threads (the examples' callbacks): so is the adapter's."""
    ctx = adapter.InferContext(*conn, "simple", -1)
    errors = []

    def work(k):
        try:
            a = np.full(16, k, dtype=np.int32)
            out = ctx.run({"INPUT0": (a,), "INPUT1": (a,)}, {"OUTPUT0": _raw(adapter)}, 1)
            assert out["OUTPUT0"][0].tolist() == [2 * k] * 16
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
