"""The V1 Python client API of the TensorRT Inference Server (its ``api`` and ``shared_memory``
modules, v1.12), implemented on ``tritonclient`` so that a V1 client program runs against a V2
(Triton) server. Depends on ``tritonclient`` (``tritonclient[all]``: HTTP, gRPC and the model
configuration messages) and numpy only.

What it implements: ``ProtocolType``, ``InferenceServerException``, ``serialize_string_tensor``,
``ServerHealthContext``, ``ServerStatusContext`` (what V2 still reports), ``ModelRepositoryContext``,
``ModelControlContext``, ``SharedMemoryControlContext`` (system shared memory), ``InferContext``
(``run``, ``async_run`` with a callback and the older form that returns a request id,
``async_run_with_cb``, ``get_async_run_results``, ``get_ready_async_request``, correlation ids,
sequence flags, priority, timeout, gRPC streaming, ``get_stat``), the request and response headers,
the submodules ``api_pb2``, ``server_status_pb2``, ``request_status_pb2``, ``grpc_service_pb2``,
``grpc_service_pb2_grpc`` (the V1 gRPC service on a V2 channel: Health, Status, Infer, StreamInfer),
``model_config_pb2`` (tritonclient's, the same messages and values) and ``shared_memory``.

What V2 no longer has raises ``V1FieldDropped`` (an AttributeError) when read: the server's uptime
and request statistics, per-batch-size inference statistics. CUDA shared memory is not handled.
"""

import queue
import struct
import sys
import threading
import time
import types
import weakref
from builtins import range
from concurrent.futures import ThreadPoolExecutor
from enum import IntEnum
from functools import partial

import numpy as np
from tritonclient.utils import InferenceServerException as _V2Exception
from tritonclient.utils import triton_to_np_dtype as _triton_to_np_dtype

_ASYNC_WORKERS = 8
_RELEASE_WAIT = 2.0  # seconds a shared memory region may stay in use after its request returned


def _http():
    import tritonclient.http as m

    return m


def _grpc():
    import tritonclient.grpc as m

    return m


def _model_config_pb2():
    from tritonclient.grpc import model_config_pb2 as m

    return m


# --- errors ---------------------------------------------------------------------------------------

class InferenceServerException(_V2Exception):
    """Exception indicating non-Success status (V1 ``message()``, ``server_id()``, ``request_id()``;
    also a ``tritonclient.utils.InferenceServerException``)."""

    def __init__(self, err=None, status=None, debug_details=None):
        msg = err if isinstance(err, str) or err is None else str(err)
        super().__init__(msg, status, debug_details)
        self._server_id = None
        self._request_id = 0

    def __str__(self):
        return self._msg if self._msg is not None else super().__str__()

    def server_id(self):
        """V2 errors name no server: None."""
        return self._server_id

    def request_id(self):
        """V2 errors name no request: 0."""
        return self._request_id


class V1FieldDropped(AttributeError):
    """A V1 field or statistic that V2 servers no longer report."""


def _raise_error(msg):
    raise InferenceServerException(msg)


class _v1_errors:
    """Turn V2 client errors (and connection failures) into the V1 exception."""

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if value is None or isinstance(value, InferenceServerException):
            return False
        if isinstance(value, _V2Exception):
            raise InferenceServerException(value.message(), value.status(), value.debug_details()) from value
        if isinstance(value, (OSError, ConnectionError)):
            raise InferenceServerException("unable to reach the server: " + str(value)) from value
        return False


# --- protocol -------------------------------------------------------------------------------------

class ProtocolType(IntEnum):
    """Protocol types supported by the client API: HTTP, GRPC."""

    HTTP = 0
    GRPC = 1

    @classmethod
    def from_str(cls, value):
        if value.lower() == "http":
            return ProtocolType.HTTP
        elif value.lower() == "grpc":
            return ProtocolType.GRPC
        raise Exception("unexpected protocol: " + value + ", expecting HTTP or gRPC")


def _headers(http_headers):
    """V1 "Header:Value" strings -> the V2 headers dict."""
    out = {}
    for hh in http_headers or ():
        name, sep, value = hh.partition(":")
        if not sep:
            _raise_error("HTTP header '" + hh + "' must be specified as 'Header:Value'")
        out[name.strip()] = value.strip()
    return out or None


class _Connection:
    """The V2 client of one V1 context: one per thread for HTTP (the HTTP client is not shared between
    threads), one for gRPC."""

    def __init__(self, url, protocol, verbose=False, http_headers=None):
        self.protocol = ProtocolType(int(protocol))
        self.url = url
        self.verbose = verbose
        self.headers = _headers(http_headers) if self.protocol == ProtocolType.HTTP else None
        self.module = _http() if self.protocol == ProtocolType.HTTP else _grpc()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all = []
        self._grpc_client = None
        self._closed = False

    @property
    def grpc(self):
        return self.protocol == ProtocolType.GRPC

    def client(self):
        if self._closed:
            _raise_error("the context is closed")
        c = self._grpc_client if self.grpc else getattr(self._local, "client", None)
        if c is None:
            with _v1_errors():
                c = self.module.InferenceServerClient(self.url, verbose=self.verbose)
            with self._lock:
                self._all.append(c)
            if self.grpc:
                self._grpc_client = c
            else:
                self._local.client = c
        return c

    def call(self, method, *args, **kwargs):
        if self.headers:
            kwargs["headers"] = self.headers
        with _v1_errors():
            return getattr(self.client(), method)(*args, **kwargs)

    def close(self):
        self._closed = True
        with self._lock:
            clients, self._all = self._all, []
        for c in clients:
            try:
                c.close()
            except Exception:
                pass


# --- messages: plain objects with the fields of the V1 protobuf messages ----------------------------

class _Repeated(list):
    def __init__(self, kind, values=()):
        super().__init__()
        self._kind = kind
        self.extend(values)

    def add(self, **kwargs):
        if not (isinstance(self._kind, type) and issubclass(self._kind, _Message)):
            raise AttributeError("add() is only for repeated message fields")
        m = self._kind(**kwargs)
        self.append(m)
        return m

    def extend(self, values):
        for v in values:
            self.append(v)


class _Map(dict):
    def __init__(self, kind):
        super().__init__()
        self._kind = kind

    def __missing__(self, key):
        v = self[key] = self._kind()
        return v


class _Enum:
    def __init__(self, names):
        self.names = dict(names)
        self.values = {v: k for k, v in self.names.items()}

    def Name(self, value):
        return self.values[value]

    def Value(self, name):
        return self.names[name]


def _enum_type(name, names):
    e = _Enum(names)
    t = types.SimpleNamespace(Name=e.Name, Value=e.Value, items=lambda: list(e.names.items()),
                              keys=lambda: list(e.names), values=lambda: list(e.names.values()))
    t.__name__ = name
    t._enum = e
    return t


class _Message:
    """A message with the fields (and text format) of a V1 protobuf message. ``_fields``: name ->
    default (a scalar), a message class, ``[kind]`` (repeated), ``{kind}`` (a map) or ``(enum, 0)``."""

    _fields = {}
    _dropped = {}

    def __init__(self, **kwargs):
        for name, spec in self._fields.items():
            object.__setattr__(self, name, self._default(spec))
        for k, v in kwargs.items():
            if k not in self._fields:
                raise ValueError("Protocol message " + type(self).__name__ + ' has no "' + k + '" field.')
            if isinstance(getattr(self, k), _Repeated):
                getattr(self, k).extend(v)
            elif isinstance(getattr(self, k), _Map):
                getattr(self, k).update(v)
            else:
                object.__setattr__(self, k, v)

    @staticmethod
    def _default(spec):
        if isinstance(spec, list):
            return _Repeated(spec[0])
        if isinstance(spec, set):
            return _Map(next(iter(spec)))
        if isinstance(spec, tuple):
            return spec[1]
        if isinstance(spec, type) and issubclass(spec, _Message):
            return spec()
        if isinstance(spec, _Lazy):
            return spec()
        return spec

    def __getattr__(self, name):
        dropped = type(self)._dropped
        if name in dropped:
            raise V1FieldDropped(type(self).__name__ + "." + name + ": " + dropped[name])
        raise AttributeError(name)

    def __eq__(self, other):
        return type(self) is type(other) and all(getattr(self, f) == getattr(other, f) for f in self._fields)

    def ListFields(self):
        return [(f, getattr(self, f)) for f in self._fields if _is_set(getattr(self, f))]

    def HasField(self, name):
        return _is_set(getattr(self, name))

    def __str__(self):
        return "".join(_text(self, 0))

    __repr__ = __str__


class _Lazy:
    """A field whose value is built on first use (the V2 model configuration message)."""

    def __init__(self, factory):
        self.factory = factory

    def __call__(self):
        return self.factory()


def _is_set(v):
    if isinstance(v, (_Message,)):
        return any(_is_set(x) for _, x in v.ListFields()) or bool(v.ListFields())
    if isinstance(v, (list, dict)):
        return len(v) > 0
    if hasattr(v, "ListFields"):  # a protobuf message
        return bool(v.ListFields())
    return v not in (0, "", b"", False, None)


def _scalar(v, spec=None):
    if isinstance(spec, tuple):
        return spec[0]._enum.values.get(v, str(v))
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, bytes):
        return '"' + "".join(chr(b) if 32 <= b < 127 and b not in (34, 92) else "\\%03o" % b for b in v) + '"'
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(v, float):
        return repr(v)
    return str(v)


def _text(msg, depth):
    pad = "  " * depth
    for name, spec in msg._fields.items():
        value = getattr(msg, name)
        if not _is_set(value):
            continue
        items = value if isinstance(value, list) else [value]
        if isinstance(value, dict):
            for k in sorted(value):
                yield pad + name + " {\n" + pad + "  key: " + _scalar(k) + "\n"
                yield from _value_text("value", value[k], depth + 1)
                yield pad + "}\n"
            continue
        for v in items:
            yield from _value_text(name, v, depth, spec if not isinstance(spec, list) else None)


def _value_text(name, v, depth, spec=None):
    pad = "  " * depth
    if isinstance(v, _Message):
        yield pad + name + " {\n"
        yield from _text(v, depth + 1)
        yield pad + "}\n"
    elif hasattr(v, "ListFields"):  # a protobuf message (the model configuration)
        from google.protobuf import text_format

        yield pad + name + " {\n"
        body = text_format.MessageToString(v)
        yield "".join(pad + "  " + line + "\n" for line in body.splitlines())
        yield pad + "}\n"
    else:
        yield pad + name + ": " + _scalar(v, spec) + "\n"


# request_status.proto
RequestStatusCode = _enum_type("RequestStatusCode", [
    ("INVALID", 0), ("SUCCESS", 1), ("UNKNOWN", 2), ("INTERNAL", 3), ("NOT_FOUND", 4), ("INVALID_ARG", 5),
    ("UNAVAILABLE", 6), ("UNSUPPORTED", 7), ("ALREADY_EXISTS", 8)])


class RequestStatus(_Message):
    _fields = {"code": (RequestStatusCode, 0), "msg": "", "server_id": "", "request_id": 0}


# api.proto
class InferRequestHeader(_Message):
    FLAG_NONE = 0
    FLAG_SEQUENCE_START = 1 << 0
    FLAG_SEQUENCE_END = 1 << 1
    Flag = _enum_type("Flag", [("FLAG_NONE", 0), ("FLAG_SEQUENCE_START", 1), ("FLAG_SEQUENCE_END", 2)])

    class Input(_Message):
        _fields = {"name": "", "dims": [int], "batch_byte_size": 0}

    class Output(_Message):
        class Class(_Message):
            _fields = {"count": 0}

    Output._fields = {"name": "", "cls": Output.Class}
    _fields = {"id": 0, "flags": 0, "correlation_id": 0, "batch_size": 0, "input": [Input], "output": [Output]}


class InferResponseHeader(_Message):
    class Output(_Message):
        class Raw(_Message):
            _fields = {"dims": [int], "batch_byte_size": 0}

        class Class(_Message):
            _fields = {"idx": 0, "value": 0.0, "label": ""}

        class Classes(_Message):
            pass

    Output.Classes._fields = {"cls": [Output.Class]}
    Output._fields = {"name": "", "raw": Output.Raw, "batch_classes": [Output.Classes]}
    _fields = {"id": 0, "model_name": "", "model_version": 0, "batch_size": 0, "output": [Output]}


# server_status.proto
ModelReadyState = _enum_type("ModelReadyState", [
    ("MODEL_UNKNOWN", 0), ("MODEL_READY", 1), ("MODEL_UNAVAILABLE", 2), ("MODEL_LOADING", 3), ("MODEL_UNLOADING", 4)])
ServerReadyState = _enum_type("ServerReadyState", [
    ("SERVER_INVALID", 0), ("SERVER_INITIALIZING", 1), ("SERVER_READY", 2), ("SERVER_EXITING", 3),
    ("SERVER_FAILED_TO_INITIALIZE", 10)])
_STATS = "V2 servers keep inference statistics per model and version (client.get_inference_statistics)"


class ModelVersionStatus(_Message):
    _fields = {"ready_state": (ModelReadyState, 0), "model_execution_count": 0, "model_inference_count": 0}
    _dropped = {"infer_stats": "V2 servers keep no statistics per batch size: " + _STATS}


class ModelStatus(_Message):
    _fields = {"config": _Lazy(lambda: _model_config_pb2().ModelConfig()), "version_status": {ModelVersionStatus}}


class ServerStatus(_Message):
    _fields = {"id": "", "version": "", "ready_state": (ServerReadyState, 0), "model_status": {ModelStatus}}
    _dropped = {
        "uptime_ns": "V2 servers do not report their uptime",
        "status_stats": "V2 servers keep no statistics of status requests",
        "profile_stats": "V2 servers keep no statistics of profile requests",
        "health_stats": "V2 servers keep no statistics of health requests",
    }


class ModelRepositoryIndex(_Message):
    class ModelEntry(_Message):
        _fields = {"name": ""}

    _fields = {"models": [ModelEntry]}


class SharedMemoryRegion(_Message):
    class SystemSharedMemory(_Message):
        _fields = {"shared_memory_key": "", "offset": 0}

    class CudaSharedMemory(_Message):
        _fields = {"device_id": 0}

    _fields = {"name": "", "system_shared_memory": SystemSharedMemory, "cuda_shared_memory": CudaSharedMemory,
               "byte_size": 0}


class SharedMemoryStatus(_Message):
    _fields = {"shared_memory_region": [SharedMemoryRegion]}


# grpc_service.proto
class HealthRequest(_Message):
    _fields = {"mode": ""}


class HealthResponse(_Message):
    _fields = {"request_status": RequestStatus, "health": False}


class StatusRequest(_Message):
    _fields = {"model_name": ""}


class StatusResponse(_Message):
    _fields = {"request_status": RequestStatus, "server_status": ServerStatus}


class InferRequest(_Message):
    _fields = {"model_name": "", "model_version": 0, "meta_data": InferRequestHeader, "raw_input": [bytes]}


class InferResponse(_Message):
    _fields = {"request_status": RequestStatus, "meta_data": InferResponseHeader, "raw_output": [bytes]}


def serialize_string_tensor(input_tensor):
    """Serializes a string tensor into a flat numpy array of length prepend strings (V1's format,
    which is V2's BYTES format)."""
    if not isinstance(input_tensor, (np.ndarray,)):
        _raise_error("input must be a numpy array")
    if input_tensor.size == 0:
        _raise_error("input cannot be empty")
    if (input_tensor.dtype == np.object_) or (input_tensor.dtype.type == np.bytes_):
        flattened = bytes()
        for obj in np.nditer(input_tensor, flags=["refs_ok"], order="C"):
            if obj.dtype.type == np.bytes_:
                s = obj.item() if type(obj.item()) == bytes else bytes(obj)
            else:
                s = str(obj).encode("utf-8")
            flattened += struct.pack("<I", len(s))
            flattened += s
        return np.asarray(flattened)
    _raise_error("cannot serialize string tensor: invalid datatype")


# --- what a V2 server says, asked the same way over HTTP, gRPC or a raw gRPC channel ----------------

def _datatype(data_type):
    """A model configuration data type (TYPE_INT32) -> the V2 tensor datatype (INT32)."""
    name = _model_config_pb2().DataType.Name(data_type)[len("TYPE_"):]
    return "BYTES" if name == "STRING" else name


class _Server:
    """Protocol-neutral questions to a V2 server through a tritonclient client (``conn``)."""

    def __init__(self, conn):
        self.conn = conn

    def _call(self, method, *args, **kwargs):
        return self.conn.call(method, *args, **kwargs)

    def metadata(self):
        m = self._call("get_server_metadata")
        return (m["name"], m["version"]) if isinstance(m, dict) else (m.name, m.version)

    def ready(self):
        return self._call("is_server_ready")

    def live(self):
        return self._call("is_server_live")

    def model_names(self):
        idx = self._call("get_model_repository_index")
        return [m["name"] for m in idx] if isinstance(idx, list) else [m.name for m in idx.models]

    def config(self, name, version=""):
        c = self._call("get_model_config", name, version)
        if isinstance(c, dict):
            from google.protobuf import json_format

            return json_format.ParseDict(c, _model_config_pb2().ModelConfig(), ignore_unknown_fields=True)
        return c.config

    def versions(self, name):
        m = self._call("get_model_metadata", name)
        return list(m["versions"] if isinstance(m, dict) else m.versions)

    def model_ready(self, name, version):
        return self._call("is_model_ready", name, version)

    def counts(self, name, version):
        s = self._call("get_inference_statistics", name, version)
        stats = s["model_stats"] if isinstance(s, dict) else s.model_stats
        for st in stats:
            if isinstance(st, dict):
                return int(st.get("inference_count", 0)), int(st.get("execution_count", 0))
            return int(st.inference_count), int(st.execution_count)
        return 0, 0


def _server_status(server, model_name=None):
    status = ServerStatus()
    status.id, status.version = server.metadata()
    status.ready_state = ServerReadyState.Value("SERVER_READY") if server.ready() else \
        ServerReadyState.Value("SERVER_INVALID")
    names = [model_name] if model_name else server.model_names()
    for name in names:
        ms = status.model_status[name]
        try:
            ms.config = server.config(name)
            versions = server.versions(name)
        except InferenceServerException:
            if model_name:
                raise
            continue  # not loaded: V2 has no configuration for it
        for v in versions:
            vs = ms.version_status[int(v)]
            vs.ready_state = ModelReadyState.Value("MODEL_READY") if server.model_ready(name, str(v)) else \
                ModelReadyState.Value("MODEL_UNAVAILABLE")
            vs.model_inference_count, vs.model_execution_count = server.counts(name, str(v))
    return status


# --- contexts -------------------------------------------------------------------------------------

class _Context:
    def __init__(self, url, protocol, verbose=False, http_headers=None):
        self._last_request_id = 0
        self._conn = _Connection(url, protocol, verbose, http_headers)
        self._server = _Server(self._conn)
        self._next_id = 0

    def __enter__(self):
        return self

    def __exit__(self, type, value, traceback):
        self.close()

    def close(self):
        self._conn.close()

    def _request_id(self):
        self._next_id += 1
        self._last_request_id = self._next_id
        return self._next_id

    def get_last_request_id(self):
        return self._last_request_id


class ServerHealthContext(_Context):
    """Health of a V2 server: ``is_ready()`` is ``is_server_ready()``, ``is_live()`` is
    ``is_server_live()``."""

    def __init__(self, url, protocol, verbose=False, http_headers=[]):
        super().__init__(url, protocol, verbose, http_headers)

    def is_ready(self):
        self._last_request_id = None
        ready = self._server.ready()
        self._request_id()
        return ready

    def is_live(self):
        self._last_request_id = None
        live = self._server.live()
        self._request_id()
        return live


class ServerStatusContext(_Context):
    """A V1 ServerStatus built from what V2 reports: the server's name and version, its readiness,
    each model's configuration (the V2 message, the same fields), the readiness and inference and
    execution counts of each version. The rest raises ``V1FieldDropped``."""

    def __init__(self, url, protocol, model_name=None, verbose=False, http_headers=[]):
        super().__init__(url, protocol, verbose, http_headers)
        self._model_name = model_name

    def get_server_status(self):
        self._last_request_id = None
        status = _server_status(self._server, self._model_name)
        self._request_id()
        return status


class ModelRepositoryContext(_Context):
    def __init__(self, url, protocol, verbose=False, http_headers=[]):
        super().__init__(url, protocol, verbose, http_headers)

    def get_model_repository_index(self):
        self._last_request_id = None
        index = ModelRepositoryIndex()
        for name in self._server.model_names():
            index.models.add(name=name)
        self._request_id()
        return index


class ModelControlContext(_Context):
    """``load``/``unload`` -> V2 ``load_model``/``unload_model`` (the server must run with
    ``--model-control-mode=explicit``)."""

    def __init__(self, url, protocol, verbose=False, http_headers=[]):
        super().__init__(url, protocol, verbose, http_headers)

    def load(self, model_name):
        self._last_request_id = None
        self._conn.call("load_model", model_name)
        self._request_id()

    def unload(self, model_name):
        self._last_request_id = None
        self._conn.call("unload_model", model_name)
        self._request_id()


class SharedMemoryControlContext(_Context):
    """System shared memory regions, registered by name, key and size (V2 takes no handle)."""

    def __init__(self, url, protocol, verbose=False, http_headers=[]):
        super().__init__(url, protocol, verbose, http_headers)

    def register(self, shm_handle):
        self._last_request_id = None
        h = _handle(shm_handle)
        self._conn.call("register_system_shared_memory", h.name, h.key, h.byte_size, offset=h.offset)
        self._request_id()

    def cuda_register(self, cuda_shm_handle):
        _raise_error("CUDA shared memory is not handled by this adapter: use "
                     "client.register_cuda_shared_memory(name, cuda_shared_memory.get_raw_handle(handle), "
                     "device_id, byte_size) of tritonclient")

    def unregister(self, shm_handle):
        self._last_request_id = None
        self._unregister(_handle(shm_handle).name)
        self._request_id()

    def unregister_all(self):
        self._last_request_id = None
        self._unregister()
        self._request_id()

    def _unregister(self, *name):
        # A V2 server releases a region a moment after the response of the request that used it, and
        # refuses to unregister it until then ("in use"); V1 programs unregister right after their last
        # request returned: wait for the release a little while.
        deadline = time.monotonic() + _RELEASE_WAIT
        while True:
            try:
                return self._conn.call("unregister_system_shared_memory", *name)
            except InferenceServerException as e:
                if "in use" not in str(e.message()) or time.monotonic() > deadline:
                    raise
            time.sleep(0.01)

    def get_shared_memory_status(self):
        self._last_request_id = None
        st = self._conn.call("get_system_shared_memory_status")
        regions = st if isinstance(st, list) else [st.regions[k] for k in sorted(st.regions)]
        status = SharedMemoryStatus()
        for r in regions:
            get = r.get if isinstance(r, dict) else partial(getattr, r)
            region = status.shared_memory_region.add(name=get("name"), byte_size=int(get("byte_size")))
            region.system_shared_memory.shared_memory_key = get("key")
            region.system_shared_memory.offset = int(get("offset"))
        self._request_id()
        return status


def _handle(h):
    if not isinstance(h, _ShmHandle):
        _raise_error("expecting a shared memory handle from shared_memory.create_shared_memory_region()")
    return h


# --- inference ------------------------------------------------------------------------------------

class _Pending:
    def __init__(self, request_id, outputs, batch_size, callback=None):
        self.id = request_id
        self.outputs = outputs
        self.batch_size = batch_size
        self.callback = callback
        self.done = threading.Event()
        self.results = None
        self.error = None


class InferContext(_Context):
    """Inference on one model, as V1's InferContext: inputs are one array per batch entry (no batch
    dimension), results one list entry per batch entry; ``ResultFormat.CLASS`` gives
    ``(index, value, label)`` tuples (V2 sends the value with six decimals)."""

    class ResultFormat:
        RAW = 1,
        CLASS = 2

    def __init__(self, url, protocol, model_name, model_version=None, verbose=False, correlation_id=0,
                 streaming=False, http_headers=[]):
        super().__init__(url, protocol, verbose, http_headers)
        if streaming and not self._conn.grpc:
            _raise_error("Streaming is only allowed with gRPC protocol")
        self._model_name = model_name
        self._version = "" if model_version is None or int(model_version) < 0 else str(model_version)
        self._correlation_id = correlation_id
        self._streaming = streaming
        self._last_request_id = None
        self._last_request_model_name = None
        self._last_request_model_version = None
        self._config = self._server.config(model_name, self._version)
        self._batching = self._config.max_batch_size > 0
        self._inputs = {i.name: i for i in self._config.input}
        self._lock = threading.Lock()
        self._pending = {}
        self._ready = queue.Queue()
        self._executor = None
        self._stream_started = False
        self._stat = [0, 0]  # completed requests, their total time (ns)

    # the V1 surface
    def close(self):
        if self._executor is not None:
            self._executor.shutdown(wait=True)
        self._stop_stream(cancel=False)
        super().close()

    def _stop_stream(self, cancel):
        if not self._stream_started:
            return
        self._stream_started = False
        _STREAMS.discard(self)
        client = self._conn.client() if not self._conn._closed else None
        if client is None:
            return
        try:
            client.stop_stream(cancel_requests=cancel)
        except TypeError:  # tritonclient before cancel_requests=
            client.stop_stream()
        except Exception:
            pass

    def correlation_id(self):
        return self._correlation_id

    def run(self, inputs, outputs, batch_size=1, flags=0, corr_id=0, priority=0, timeout_us=0):
        self._last_request_id = None
        self._last_request_model_name = None
        self._last_request_model_version = None
        request = self._prepare(inputs, outputs, batch_size, flags, corr_id, priority, timeout_us)
        start = time.perf_counter_ns()
        if self._streaming:
            p = self._send_stream(request, None)
            p.done.wait()
            if p.error is not None:
                raise p.error
            result = p.results
        else:
            with _v1_errors():
                result = self._conn.call("infer", self._model_name, request["inputs"], **request["kwargs"])
        results = self._results(result, outputs, batch_size)
        self._done(time.perf_counter_ns() - start)
        self._last_request_id = request["id"]
        return results

    def async_run(self, *args, **kwargs):
        """``async_run(callback, inputs, outputs, batch_size=1, flags=0, corr_id=0, priority=0,
        timeout_us=0)``; the older form ``async_run(inputs, outputs, batch_size=1, flags=0)`` returns
        the request id to pass to get_async_run_results()."""
        if (args and callable(args[0])) or "callback" in kwargs:
            return self._async(*args, **kwargs) and None
        return self._async(None, *args, **kwargs)

    def async_run_with_cb(self, callback, inputs, outputs, batch_size=1, flags=0, corr_id=0, priority=0,
                          timeout_us=0):
        self._async(callback, inputs, outputs, batch_size, flags, corr_id, priority, timeout_us)

    def get_async_run_results(self, request_id, wait=True):
        with self._lock:
            p = self._pending.get(request_id)
        if p is None:
            _raise_error("unknown request id " + str(request_id))
        if not p.done.wait(None if wait else 0):
            return None
        with self._lock:
            self._pending.pop(request_id, None)
        self._last_request_id = request_id
        if p.error is not None:
            raise p.error
        return p.results

    def get_ready_async_request(self, wait):
        with self._lock:
            if not self._pending:
                _raise_error("no asynchronous request is in flight or completed")
        try:
            return self._ready.get(block=wait)
        except queue.Empty:
            return None

    def get_last_request_model_name(self):
        return self._last_request_model_name

    def get_last_request_model_version(self):
        return self._last_request_model_version

    def get_stat(self):
        """The requests this context completed and their total time, measured here. V2 clients do not
        split sending from receiving: cumulative_send_time_ns and cumulative_receive_time_ns are 0 (the
        server's own statistics: client.get_inference_statistics(model_name))."""
        with self._lock:
            count, total = self._stat
        return {"completed_request_count": count, "cumulative_total_request_time_ns": total,
                "cumulative_send_time_ns": 0, "cumulative_receive_time_ns": 0}

    # building requests and reading results
    def _prepare(self, inputs, outputs, batch_size, flags, corr_id, priority, timeout_us):
        m = self._conn.module
        v2_inputs = []
        for name, values in inputs.items():
            handle, shape = None, None
            if isinstance(values, _ShmHandle):
                handle = values
            elif isinstance(values, (list, tuple)) and len(values) == 2 and isinstance(values[0], _ShmHandle) \
                    and isinstance(values[1], (list, tuple)):
                handle, shape = values
            elif not isinstance(values, (list, tuple)) or not all(isinstance(v, np.ndarray) for v in values):
                _raise_error("input '" + name + "' values must be specified as a list of numpy arrays"
                             " or as a shared memory handle or as a tuple of a shared memory handle"
                             " and a list (the shape of the input tensor)")
            cfg = self._inputs.get(name)
            if cfg is None:
                _raise_error("unknown input '" + name + "' for '" + self._model_name + "'")
            datatype = _datatype(cfg.data_type)
            if handle is not None:
                dims = list(shape) if shape is not None else list(cfg.dims)
                full = [batch_size] + dims if self._batching else dims
                inp = m.InferInput(name, full, datatype)
                inp.set_shared_memory(handle.name, handle.byte_size, offset=handle.offset)
            else:
                if not self._batching and len(values) != 1:
                    _raise_error("batching not supported for model '" + self._model_name + "'")
                if self._batching and len(values) != batch_size:
                    _raise_error("expecting " + str(batch_size) + " values for input '" + name + "', got " +
                                 str(len(values)))
                data = np.stack([np.asarray(v) for v in values]) if self._batching else np.asarray(values[0])
                data = _as_datatype(data, datatype)
                inp = m.InferInput(name, list(data.shape), datatype)
                with _v1_errors():
                    inp.set_data_from_numpy(data)
            v2_inputs.append(inp)
        v2_outputs = []
        for name, fmt in outputs.items():
            kind, arg = _format(fmt)
            if kind == "class":
                out = m.InferRequestedOutput(name, class_count=int(arg))
            else:
                out = m.InferRequestedOutput(name)
                if kind == "shm":
                    out.set_shared_memory(arg.name, arg.byte_size, offset=arg.offset)
            v2_outputs.append(out)
        if corr_id != 0:
            self._correlation_id = corr_id  # V1: overrides the context's id for later requests
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
        kwargs = {"model_version": self._version, "outputs": v2_outputs, "request_id": str(request_id)}
        if self._correlation_id:
            kwargs["sequence_id"] = self._correlation_id
            kwargs["sequence_start"] = bool(flags & InferRequestHeader.FLAG_SEQUENCE_START)
            kwargs["sequence_end"] = bool(flags & InferRequestHeader.FLAG_SEQUENCE_END)
        if priority:
            kwargs["priority"] = priority
        if timeout_us:
            kwargs["timeout"] = timeout_us
        return {"id": request_id, "inputs": v2_inputs, "kwargs": kwargs}

    def _results(self, result, outputs, batch_size):
        response = result.get_response()
        if isinstance(response, dict):
            model_name, model_version = response.get("model_name"), response.get("model_version")
        else:
            model_name, model_version = response.model_name, response.model_version
        self._last_request_model_name = model_name
        self._last_request_model_version = int(model_version) if model_version not in (None, "") else -1
        results = {}
        for name, fmt in outputs.items():
            kind, arg = _format(fmt)
            if kind == "shm":
                datatype, shape = _output_meta(result, name)
                arr = shared_memory.get_contents_as_numpy(arg, _triton_to_np_dtype(datatype), shape)
            else:
                arr = result.as_numpy(name)
                if arr is None:
                    _raise_error("no result for output '" + name + "'")
            rows = list(arr) if self._batching else [arr]
            if kind == "class":
                results[name] = [_classes(row) for row in rows]
            else:
                results[name] = [np.array(row) for row in rows]
        return results

    def _done(self, elapsed_ns):
        with self._lock:
            self._stat[0] += 1
            self._stat[1] += elapsed_ns

    # asynchronous requests
    def _async(self, callback, inputs, outputs, batch_size=1, flags=0, corr_id=0, priority=0, timeout_us=0):
        request = self._prepare(inputs, outputs, batch_size, flags, corr_id, priority, timeout_us)
        if self._streaming:
            p = self._send_stream(request, callback, outputs, batch_size)
            return p.id
        p = _Pending(request["id"], outputs, batch_size, callback)
        with self._lock:
            self._pending[p.id] = p
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=_ASYNC_WORKERS)
        self._executor.submit(self._run_async, p, request)
        return p.id

    def _run_async(self, p, request):
        start = time.perf_counter_ns()
        try:
            with _v1_errors():
                result = self._conn.call("infer", self._model_name, request["inputs"], **request["kwargs"])
            p.results = self._results(result, p.outputs, p.batch_size)
            self._done(time.perf_counter_ns() - start)
        except BaseException as e:  # handed to get_async_run_results()
            p.error = e if isinstance(e, InferenceServerException) else InferenceServerException(str(e))
        self._finish(p)

    def _finish(self, p):
        p.done.set()
        self._ready.put(p.id)
        if p.callback is not None:
            p.callback(self, p.id)

    def _send_stream(self, request, callback, outputs=None, batch_size=1):
        p = _Pending(request["id"], outputs, batch_size, callback)
        p.start = time.perf_counter_ns()
        client = self._conn.client()
        with self._lock:
            self._pending[p.id] = p
            if not self._stream_started:
                with _v1_errors():
                    client.start_stream(callback=self._on_stream)
                self._stream_started = True
                _STREAMS.add(self)
        kwargs = dict(request["kwargs"])
        with _v1_errors():
            client.async_stream_infer(self._model_name, request["inputs"], **kwargs)
        return p

    def _on_stream(self, result, error):
        if result is not None:
            rid = result.get_response().id
            with self._lock:
                p = self._pending.get(int(rid)) if rid else None
        else:
            with self._lock:
                waiting = [q for q in self._pending.values() if not q.done.is_set()]
            p = min(waiting, key=lambda q: q.id) if waiting else None
        if p is None:
            return
        if error is not None:
            p.error = InferenceServerException(error.message(), error.status(), error.debug_details())
        elif p.outputs is None:
            p.results = result  # run() reads it
        else:
            try:
                p.results = self._results(result, p.outputs, p.batch_size)
                self._done(time.perf_counter_ns() - p.start)
            except BaseException as e:
                p.error = e if isinstance(e, InferenceServerException) else InferenceServerException(str(e))
        if p.outputs is None:
            p.done.set()
            with self._lock:
                self._pending.pop(p.id, None)
            return
        self._finish(p)


#: contexts with an open gRPC stream: V1 ended them when the program exited (the C++ library's
#: contexts went with the process); tritonclient's stream thread would keep the program alive
_STREAMS = weakref.WeakSet()


def _stop_streams():
    for ctx in list(_STREAMS):
        ctx._stop_stream(cancel=True)


try:  # run before the interpreter waits for the stream threads (concurrent.futures does the same)
    threading._register_atexit(_stop_streams)
except AttributeError:
    import atexit

    atexit.register(_stop_streams)


def _format(fmt):
    """V1 output formats: RAW, (CLASS, k), (RAW, shared memory handle)."""
    if isinstance(fmt, (list, tuple)) and len(fmt) == 2 and fmt[0] == InferContext.ResultFormat.RAW:
        return "shm", _handle(fmt[1])
    if fmt == InferContext.ResultFormat.RAW:
        return "raw", None
    if isinstance(fmt, (list, tuple)) and fmt[0] == InferContext.ResultFormat.CLASS:
        return "class", fmt[1]
    _raise_error("unrecognized output format")


def _as_datatype(data, datatype):
    """The array as the model's datatype: V1 sent an array's bytes as they were, so an array of
    another type of the same size is read as the model's type."""
    if datatype == "BYTES":
        return data
    want = np.dtype(_triton_to_np_dtype(datatype))
    if data.dtype != want and data.dtype.itemsize == want.itemsize and data.dtype != np.object_:
        return np.ascontiguousarray(data).view(want)
    return data


def _classes(row):
    """V2's "value:index[:label]" strings -> V1's (index, value, label) tuples."""
    out = []
    for c in np.asarray(row).reshape(-1):
        s = c.decode("utf-8") if isinstance(c, bytes) else str(c)
        value, _, rest = s.partition(":")
        index, _, label = rest.partition(":")
        out.append((int(index), float(np.float32(value)), label))
    return out


def _output_meta(result, name):
    out = result.get_output(name)
    if out is None:
        _raise_error("no result for output '" + name + "'")
    if isinstance(out, dict):
        return out["datatype"], list(out["shape"])
    return out.datatype, list(out.shape)


# --- shared memory --------------------------------------------------------------------------------

class _ShmHandle:
    """A system shared memory region (V1's handle): its name, key, size and tritonclient's handle."""

    def __init__(self, name, key, byte_size, region, offset=0):
        self.name = name
        self.key = key
        self.byte_size = byte_size
        self.region = region
        self.offset = offset


def _create_shared_memory_region(trt_shm_name, shm_key, byte_size):
    from tritonclient.utils import shared_memory as v2shm

    try:
        region = v2shm.create_shared_memory_region(trt_shm_name, shm_key, byte_size)
    except Exception as e:
        raise InferenceServerException("unable to create the shared memory region: " + str(e)) from e
    return _ShmHandle(trt_shm_name, shm_key, byte_size, region)


def _set_shared_memory_region(shm_handle, input_values):
    from tritonclient.utils import shared_memory as v2shm

    if not isinstance(input_values, (list, tuple)):
        _raise_error("input_values must be specified as a list of numpy arrays")
    try:
        v2shm.set_shared_memory_region(_handle(shm_handle).region, list(input_values))
    except Exception as e:
        raise InferenceServerException("unable to set the shared memory region: " + str(e)) from e


def _get_contents_as_numpy(shm_handle, datatype, shape):
    from tritonclient.utils import shared_memory as v2shm

    return v2shm.get_contents_as_numpy(_handle(shm_handle).region, datatype, shape)


def _destroy_shared_memory_region(shm_handle):
    from tritonclient.utils import shared_memory as v2shm

    try:
        v2shm.destroy_shared_memory_region(_handle(shm_handle).region)
    except Exception as e:
        raise InferenceServerException("unable to destroy the shared memory region: " + str(e)) from e


# --- the V1 gRPC service, on a V2 channel ----------------------------------------------------------

_GRPC_CODES = {"INVALID_ARGUMENT": "INVALID_ARG", "NOT_FOUND": "NOT_FOUND", "UNAVAILABLE": "UNAVAILABLE",
               "UNIMPLEMENTED": "UNSUPPORTED", "ALREADY_EXISTS": "ALREADY_EXISTS", "INTERNAL": "INTERNAL"}


def _status_of(error):
    status = RequestStatus()
    name = str(getattr(error, "code", lambda: "")()).rpartition(".")[2]
    status.code = RequestStatusCode.Value(_GRPC_CODES.get(name, "UNKNOWN"))
    status.msg = error.details() if hasattr(error, "details") else str(error)
    return status


def _ok():
    return RequestStatus(code=RequestStatusCode.Value("SUCCESS"))


class _StubServer(_Server):
    """The protocol-neutral questions through V2's gRPC service stub."""

    def __init__(self, stub):
        self.stub = stub

    def _pb(self):
        from tritonclient.grpc import service_pb2

        return service_pb2

    def metadata(self):
        m = self.stub.ServerMetadata(self._pb().ServerMetadataRequest())
        return m.name, m.version

    def ready(self):
        return self.stub.ServerReady(self._pb().ServerReadyRequest()).ready

    def live(self):
        return self.stub.ServerLive(self._pb().ServerLiveRequest()).live

    def model_names(self):
        return [m.name for m in self.stub.RepositoryIndex(self._pb().RepositoryIndexRequest()).models]

    def config(self, name, version=""):
        return self.stub.ModelConfig(self._pb().ModelConfigRequest(name=name, version=version)).config

    def versions(self, name):
        return list(self.stub.ModelMetadata(self._pb().ModelMetadataRequest(name=name)).versions)

    def model_ready(self, name, version):
        return self.stub.ModelReady(self._pb().ModelReadyRequest(name=name, version=version)).ready

    def counts(self, name, version):
        s = self.stub.ModelStatistics(self._pb().ModelStatisticsRequest(name=name, version=version))
        for st in s.model_stats:
            return int(st.inference_count), int(st.execution_count)
        return 0, 0


class _Call:
    def __init__(self, run, future):
        self._run = run
        self.future = future

    def __call__(self, request, *args, **kwargs):
        return self._run(request)


class _Future:
    def __init__(self, future, convert):
        self._future = future
        self._convert = convert

    def result(self, timeout=None):
        try:
            return self._convert(self._future.result(timeout))
        except Exception as e:
            if hasattr(e, "code"):
                return InferResponse(request_status=_status_of(e))
            raise

    def done(self):
        return self._future.done()

    def cancel(self):
        return self._future.cancel()

    def add_done_callback(self, fn):
        self._future.add_done_callback(lambda _: fn(self))


class GRPCServiceStub:
    """V1's ``GRPCServiceStub(channel)``: Health, Status, Infer (also ``Infer.future``) and StreamInfer,
    sent to the V2 service (``inference.GRPCInferenceService``) on the same channel."""

    def __init__(self, channel):
        from tritonclient.grpc import service_pb2_grpc

        self._stub = service_pb2_grpc.GRPCInferenceServiceStub(channel)
        self._server = _StubServer(self._stub)
        self._configs = {}
        self.Infer = _Call(self._infer, self._infer_future)

    def Health(self, request, *args, **kwargs):
        try:
            ok = self._server.live() if request.mode == "live" else self._server.ready()
        except Exception as e:
            if hasattr(e, "code"):
                return HealthResponse(request_status=_status_of(e))
            raise
        return HealthResponse(request_status=_ok(), health=ok)

    def Status(self, request, *args, **kwargs):
        try:
            status = _server_status(self._server, request.model_name or None)
        except Exception as e:
            if hasattr(e, "code"):
                return StatusResponse(request_status=_status_of(e))
            raise
        return StatusResponse(request_status=_ok(), server_status=status)

    def StreamInfer(self, request_iterator, *args, **kwargs):
        sent = {}

        def requests():
            for n, request in enumerate(request_iterator):
                v2, info = self._to_v2(request, str(n + 1))
                sent[v2.id] = info
                yield v2

        for response in self._stub.ModelStreamInfer(requests()):
            if response.error_message:
                yield InferResponse(request_status=RequestStatus(code=RequestStatusCode.Value("INTERNAL"),
                                                                 msg=response.error_message))
                continue
            yield self._to_v1(response.infer_response, sent.pop(response.infer_response.id, None))

    def _infer(self, request):
        try:
            v2, info = self._to_v2(request, "")
            return self._to_v1(self._stub.ModelInfer(v2), info)
        except Exception as e:
            if hasattr(e, "code"):
                return InferResponse(request_status=_status_of(e))
            raise

    def _infer_future(self, request, *args, **kwargs):
        v2, info = self._to_v2(request, "")
        return _Future(self._stub.ModelInfer.future(v2), lambda r: self._to_v1(r, info))

    def _config(self, name, version):
        key = (name, version)
        if key not in self._configs:
            self._configs[key] = self._server.config(name, version)
        return self._configs[key]

    def _to_v2(self, request, rid):
        from tritonclient.grpc import service_pb2

        md = request.meta_data
        version = "" if request.model_version is None or request.model_version < 0 else str(request.model_version)
        cfg = self._config(request.model_name, version)
        batching = cfg.max_batch_size > 0
        bs = md.batch_size or 1
        by_name = {i.name: i for i in cfg.input}
        v2 = service_pb2.ModelInferRequest(model_name=request.model_name, model_version=version,
                                           id=rid or (str(md.id) if md.id else ""))
        for k, inp in enumerate(md.input):
            c = by_name.get(inp.name)
            dims = list(inp.dims) or (list(c.dims) if c is not None else [])
            t = v2.inputs.add(name=inp.name, datatype=_datatype(c.data_type) if c is not None else "BYTES",
                              shape=([bs] + dims) if batching else dims)
            v2.raw_input_contents.append(request.raw_input[k] if k < len(request.raw_input) else b"")
            del t
        classes = {}
        for out in md.output:
            o = v2.outputs.add(name=out.name)
            if out.cls.count:
                o.parameters["classification"].int64_param = out.cls.count
                classes[out.name] = out.cls.count
        if md.correlation_id:
            v2.parameters["sequence_id"].int64_param = md.correlation_id
            v2.parameters["sequence_start"].bool_param = bool(md.flags & InferRequestHeader.FLAG_SEQUENCE_START)
            v2.parameters["sequence_end"].bool_param = bool(md.flags & InferRequestHeader.FLAG_SEQUENCE_END)
        return v2, (batching, bs, classes, [o.name for o in md.output])

    def _to_v1(self, response, info):
        batching, bs, classes, order = info if info is not None else (True, 1, {}, [])
        out = InferResponse(request_status=_ok())
        out.meta_data.id = int(response.id) if response.id.isdigit() else 0
        out.meta_data.model_name = response.model_name
        out.meta_data.model_version = int(response.model_version or -1)
        out.meta_data.batch_size = bs
        raws = dict(zip([o.name for o in response.outputs], response.raw_output_contents))
        tensors = {o.name: o for o in response.outputs}
        for name in order or list(tensors):
            t = tensors.get(name)
            if t is None:
                continue
            o = out.meta_data.output.add(name=name)
            raw = raws.get(name, b"")
            if name in classes:
                strings = _deserialize_bytes(raw)
                per = len(strings) // bs if batching and bs else len(strings)
                for b in range(bs if batching else 1):
                    entry = o.batch_classes.add()
                    for idx, value, label in _classes(np.array(strings[b * per:(b + 1) * per], dtype=object)):
                        entry.cls.add(idx=idx, value=value, label=label)
            else:
                o.raw.dims.extend(list(t.shape)[1:] if batching else list(t.shape))
                o.raw.batch_byte_size = len(raw)
                out.raw_output.append(raw)
        return out


def _deserialize_bytes(raw):
    out, offset = [], 0
    while offset < len(raw):
        (n,) = struct.unpack_from("<I", raw, offset)
        offset += 4
        out.append(raw[offset:offset + n])
        offset += n
    return out


# --- the V1 submodules ----------------------------------------------------------------------------

def _submodule(name, doc, **attrs):
    m = types.ModuleType(__name__ + "." + name, doc)
    for k, v in attrs.items():
        setattr(m, k, v)
    sys.modules[m.__name__] = m
    return m


class _ModelConfigModule(types.ModuleType):
    """tritonclient.grpc.model_config_pb2 (V2 kept V1's model configuration messages and values),
    imported when first read."""

    def __getattr__(self, name):
        return getattr(_model_config_pb2(), name)


model_config_pb2 = _ModelConfigModule(__name__ + ".model_config_pb2", _ModelConfigModule.__doc__)
sys.modules[model_config_pb2.__name__] = model_config_pb2
api_pb2 = _submodule("api_pb2", "V1 api.proto", InferRequestHeader=InferRequestHeader,
                     InferResponseHeader=InferResponseHeader)
request_status_pb2 = _submodule("request_status_pb2", "V1 request_status.proto", RequestStatus=RequestStatus,
                                RequestStatusCode=RequestStatusCode,
                                **dict(RequestStatusCode.items()))
server_status_pb2 = _submodule("server_status_pb2", "V1 server_status.proto", ServerStatus=ServerStatus,
                               ModelStatus=ModelStatus, ModelVersionStatus=ModelVersionStatus,
                               ModelReadyState=ModelReadyState, ServerReadyState=ServerReadyState,
                               ModelRepositoryIndex=ModelRepositoryIndex, SharedMemoryStatus=SharedMemoryStatus,
                               SharedMemoryRegion=SharedMemoryRegion, **dict(ModelReadyState.items()),
                               **dict(ServerReadyState.items()))
grpc_service_pb2 = _submodule("grpc_service_pb2", "V1 grpc_service.proto", HealthRequest=HealthRequest,
                              HealthResponse=HealthResponse, StatusRequest=StatusRequest,
                              StatusResponse=StatusResponse, InferRequest=InferRequest, InferResponse=InferResponse,
                              RequestStatus=RequestStatus, InferRequestHeader=InferRequestHeader,
                              InferResponseHeader=InferResponseHeader, ServerStatus=ServerStatus)
grpc_service_pb2_grpc = _submodule("grpc_service_pb2_grpc", "V1 grpc_service.proto (service)",
                                   GRPCServiceStub=GRPCServiceStub)
shared_memory = _submodule(
    "shared_memory", "V1 system shared memory helpers on tritonclient.utils.shared_memory",
    create_shared_memory_region=_create_shared_memory_region, set_shared_memory_region=_set_shared_memory_region,
    get_contents_as_numpy=_get_contents_as_numpy, destroy_shared_memory_region=_destroy_shared_memory_region)
