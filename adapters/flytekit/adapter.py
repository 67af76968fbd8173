#!/usr/bin/env python3
"""flytekit's own local executor behind rawconf's adapter contract (docs/adapter.md, v1 and v2).

For each request it builds a real `flytekit.ContainerTask` (PyPI flytekit, pinned in
requirements.txt) and calls it, so flytekit renders the command, runs the container through
docker-py on the local engine and reads the outputs back, exactly as `pyflyte run` would
locally. rawconf then judges the result against `--profile flytekit-local`; differences from
`--profile backend` are findings about flytekit, not bugs in this adapter.

    adapters/flytekit/setup.sh        # creates target/flytekit-venv once
    rawconf run --runtime 'cmd:adapters/flytekit/run.sh' --profile flytekit-local

Nothing here re-implements flytekit. Two observers are attached to docker-py, neither changing
what flytekit asks for: one records the argv, bind mounts and exit status of the container
flytekit starts (so rawconf can compare argv and files with the goldens) and labels it for
rawconf's reaper; one kills it after `timeoutSeconds` (flytekit itself waits forever).

Version 2 (a case of the execution suite): the task's `retries`, `cache` and `cache_version`
go into flytekit's `TaskMetadata`; flytekit's local cache (diskcache, normally
~/.flyte/local-cache) is pointed at the request's `cacheDir`, so the prior runs of one case share
it; its reads and writes are observed to report the cache status, and every call of the task's
`execute` is one reported attempt (flytekit's local execution makes one: it has no retry loop).

Exit status: 0 with a result on stdout (a Python exception from the task is an `error` result,
code = exception type, message = its text as `ContainerTask.execute` raised it — flytekit's
local-execution wrapper prefixes it in place with "Error encountered while executing '<task>':",
which is removed); 33 for interface types this adapter does not map; 1 if the adapter itself
fails.
"""

import base64
import datetime
import json
import os
import signal
import sys
import tempfile
import threading
import typing

UNSUPPORTED = 33
RECORD_CAP = 64 * 1024


def loads(text):
    # `-0` must stay the double -0.0 (Python's json makes it the integer 0).
    return json.loads(text, parse_int=lambda s: -0.0 if s == "-0" else int(s))


class Unsupported(Exception):
    """The request needs something this adapter does not map (exit 33)."""


def main():
    if sys.argv[1:] == ["--rawconf-contracts"]:
        # The handshake (docs/adapter.md, "Version 2").
        print(json.dumps({"contracts": [1, 2]}))
        return 0
    request = loads(sys.stdin.read())
    if request.get("version") not in (1, 2):
        print(f"flytekit adapter: unsupported request version {request.get('version')!r}", file=sys.stderr)
        return UNSUPPORTED
    work = request["context"]["workDir"]
    # flytekit's scratch directories (the container's output dir among them) go into the work
    # dir, which rawconf removes after the case.
    os.environ["TMPDIR"] = work
    tempfile.tempdir = None
    try:
        result = execute(request)
    except Unsupported as e:
        print(f"flytekit adapter: unsupported: {e}", file=sys.stderr)
        return UNSUPPORTED
    json.dump(result, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
    return 0


def python_type(literal_type, where):
    """The Python type flytekit maps a flyteidl.core.LiteralType (protobuf JSON) from."""
    from flytekit.types.directory import FlyteDirectory
    from flytekit.types.file import FlyteFile

    simple = {
        "INTEGER": int,
        "FLOAT": float,
        "STRING": str,
        "BOOLEAN": bool,
        "DATETIME": datetime.datetime,
        "DURATION": datetime.timedelta,
    }
    if "simple" in literal_type:
        t = simple.get(literal_type["simple"])
        if t is None:
            raise Unsupported(f"{where}: simple type {literal_type['simple']}")
        return t
    if "blob" in literal_type:
        multipart = literal_type["blob"].get("dimensionality") == "MULTIPART"
        return FlyteDirectory if multipart else FlyteFile
    if "collectionType" in literal_type:
        return typing.List[python_type(literal_type["collectionType"], where)]
    if "mapValueType" in literal_type:
        return typing.Dict[str, python_type(literal_type["mapValueType"], where)]
    raise Unsupported(f"{where}: literal type {json.dumps(literal_type)}")


def variables(interface, side):
    return {
        name: python_type(v["type"], f"interface.{side}.{name}")
        for name, v in interface.get(side, {}).get("variables", {}).items()
    }


class DockerObserver:
    """Wraps docker-py's `containers.run` to see what flytekit starts; passes everything on."""

    def __init__(self, labels, timeout):
        self.labels = labels
        self.timeout = timeout
        self.argv = None
        self.volumes = {}
        self.exit_code = None
        self.timed_out = False
        self.container = None
        self.stdout = None
        self.stderr = None

    def install(self):
        from docker.models.containers import ContainerCollection

        real_run = ContainerCollection.run
        observer = self

        # `client.containers` is a fresh collection on every access: observe at the class.
        def run(collection, image, command=None, **kw):
            observer.argv = list(command) if command is not None else None
            observer.volumes = dict(kw.get("volumes") or {})
            kw["labels"] = {**(kw.get("labels") or {}), **observer.labels}
            container = real_run(collection, image, command=command, **kw)
            observer.watch(container)
            return container

        ContainerCollection.run = run

    def watch(self, container):
        self.container = container
        timer = threading.Timer(self.timeout, self.kill)
        timer.daemon = True
        timer.start()
        real_wait = container.wait

        def wait(*args, **kwargs):
            status = real_wait(*args, **kwargs)
            timer.cancel()
            if not self.timed_out:
                self.exit_code = status.get("StatusCode")
            return status

        container.wait = wait

    def kill(self):
        self.timed_out = True
        try:
            self.container.kill()
        except Exception:  # already gone
            pass

    def remove(self):
        if self.container is not None:
            try:
                self.container.remove(force=True)
            except Exception:  # flytekit asked for auto-removal: usually gone
                pass

    def output_dir(self, output_path):
        for host, spec in self.volumes.items():
            if spec.get("bind") == output_path:
                return host
        return None


def snapshot(root):
    """The directory as rawconf records it (record.rs): relative path -> content."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            if os.path.islink(path):
                out[rel] = {"symlink": os.readlink(path)}
            elif os.path.isfile(path):
                size = os.path.getsize(path)
                with open(path, "rb") as f:
                    data = f.read(RECORD_CAP)
                if size > RECORD_CAP:
                    out[rel] = {"truncated": size, "base64": base64.b64encode(data).decode()}
                else:
                    try:
                        out[rel] = data.decode("utf-8")
                    except UnicodeDecodeError:
                        out[rel] = {"base64": base64.b64encode(data).decode()}
    return dict(sorted(out.items()))


def root_cause(e):
    """flytekit wraps a task's exception (FlyteUserRuntimeException, …): report the original,
    as flytekit's local execution shows it."""
    seen = set()
    while id(e) not in seen:
        seen.add(id(e))
        inner = getattr(e, "value", None)
        if isinstance(inner, BaseException):
            e = inner
        elif e.__cause__ is not None:
            e = e.__cause__
        else:
            break
    return e


def local_blobs(value, blobs):
    """The input literals with every blob URI that rawconf serves locally (the request's
    `blobs`, docs/adapter.md "Blob inputs") replaced by its local path: flytekit cannot fetch
    `s3://rawconf-fixtures/...`, and a local FlyteFile is what a user passes to a local run."""
    if isinstance(value, dict):
        out = {k: local_blobs(v, blobs) for k, v in value.items()}
        if "blob" in out and isinstance(out["blob"], dict) and out["blob"].get("uri") in blobs:
            out["blob"] = {**out["blob"], "uri": blobs[out["blob"]["uri"]]}
        return out
    if isinstance(value, list):
        return [local_blobs(v, blobs) for v in value]
    return value


def execute(request):
    from flyteidl.core import literals_pb2
    from flytekit import ContainerTask
    from flytekit.core.context_manager import FlyteContextManager
    from flytekit.core.type_engine import TypeEngine
    from flytekit.models.literals import LiteralMap
    from google.protobuf import json_format

    task, ctx = request["task"], request["context"]
    data = task["dataConfig"]
    inputs_t = variables(task["interface"], "inputs")
    outputs_t = variables(task["interface"], "outputs")
    fmt = {"JSON": ContainerTask.MetadataFormat.JSON, "YAML": ContainerTask.MetadataFormat.YAML,
           "PROTO": ContainerTask.MetadataFormat.PROTO}[data.get("format", "JSON")]

    observer = DockerObserver(
        # A version-2 request has no key (the runtime derives its own): the work dir names the case.
        labels={"rawconf.run": ctx.get("perRetryUniqueKey") or os.path.basename(os.path.normpath(ctx["workDir"])),
                "rawconf.pid": str(os.getpid())},
        timeout=float(task["timeoutSeconds"]),
    )
    observer.install()
    # rawconf stops a late adapter with SIGTERM: remove the container on the way out.
    signal.signal(signal.SIGTERM, lambda *_: (observer.remove(), sys.exit(143)))

    v2 = request["version"] == 2
    settings = {}
    cache = None
    if v2:
        from flytekit import TaskMetadata

        meta = task.get("metadata", {})
        settings["metadata"] = TaskMetadata(
            retries=int(meta.get("retries", {}).get("retries", 0)),
            cache=bool(meta.get("discoverable")),
            cache_version=meta.get("discoveryVersion", ""),
        )
        cache = CacheObserver(ctx["cacheDir"])
    container_task = ContainerTask(
        name=task["id"]["name"] if v2 else task["name"],
        image=task["image"],
        command=list(task["command"]),
        arguments=list(task.get("args", [])) or None,
        inputs=inputs_t,
        outputs=outputs_t,
        input_data_dir=data.get("inputPath") or None,
        output_data_dir=data.get("outputPath") or None,
        metadata_format=fmt,
        environment={kv["key"]: kv.get("value", "") for kv in task.get("env", [])},
        **settings,
    )
    calls = count_calls(container_task, "execute") if v2 else None

    fctx = FlyteContextManager.current_context()
    inputs = local_blobs(request["inputs"], request.get("blobs", {}))
    literal_map = LiteralMap.from_flyte_idl(
        json_format.Parse(json.dumps(inputs), literals_pb2.LiteralMap())
    )
    kwargs = TypeEngine.literal_map_to_kwargs(fctx, literal_map, inputs_t)

    try:
        value = container_task(**kwargs)
    except Exception as e:  # a task error is a result
        cause = root_cause(e)
        message = str(cause)
        # Local execution prefixes the exception's text in place (base_task.py,
        # dispatch_execute); report the exception as ContainerTask.execute raised it.
        for wrapper in ("executing", "converting inputs of"):
            prefix = f"Error encountered while {wrapper} '{task['name']}':\n  "
            if message.startswith(prefix):
                message = message[len(prefix):]
        result = {"error": {"code": type(cause).__name__, "message": message}}
    else:
        names = list(outputs_t)
        if len(names) == 0:
            values = {}
        elif len(names) == 1:
            values = {names[0]: value}
        else:
            values = {n: getattr(value, n) for n in names}
        try:
            out = TypeEngine.dict_to_literal_map(fctx, values, outputs_t)
            result = {"outputs": json_format.MessageToDict(out.to_flyte_idl())}
        except Exception as e:  # noqa: BLE001 - the outputs cannot be carried: a task error
            # e.g. an integer output beyond int64: Python's int() reads it, the protobuf
            # Literal cannot hold it (`ValueError: Value out of range`).
            cause = root_cause(e)
            result = {"error": {"code": type(cause).__name__, "message": str(cause)}}
    finally:
        observer.remove()

    if observer.argv is not None:
        # flytekit concatenates command and arguments into one Docker Cmd.
        result["argv"] = observer.argv
        result["exitCode"] = observer.exit_code
    result["timedOut"] = observer.timed_out
    # flytekit never writes input files (protocol.md §5.1).
    result["inputFiles"] = {}
    out_dir = observer.output_dir(data.get("outputPath", ""))
    if out_dir is not None and os.path.isdir(out_dir):
        result["files"] = snapshot(out_dir)
    if v2:
        if calls[0] > 1:
            raise RuntimeError(f"flytekit called execute {calls[0]} times: this adapter reports one attempt")
        result["attempts"] = [
            {"exitCode": result.get("exitCode"), **{k: result[k] for k in ("outputs", "error") if k in result}}
        ] if calls[0] else []
        result["cacheStatus"] = cache.status()
    return result


def count_calls(obj, method):
    """Counts the calls of `obj.method` (a one-element list): each is one attempt."""
    calls = [0]
    real = getattr(obj, method)

    def wrapper(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    setattr(obj, method, wrapper)
    return calls


class CacheObserver:
    """Points flytekit's local task cache at `cache_dir` (the case's, shared by its prior runs;
    nothing left in the home directory) and watches its reads and writes for the cache status."""

    def __init__(self, cache_dir):
        from flytekit.core import local_cache
        from flytekit.core.local_cache import LocalTaskCache

        local_cache.CACHE_LOCATION = cache_dir
        LocalTaskCache._initialized = False
        self.looked_up = self.hit = self.written = False
        real_get, real_set = LocalTaskCache.get, LocalTaskCache.set
        observer = self

        def get(*args, **kwargs):
            out = real_get(*args, **kwargs)
            observer.looked_up = True
            observer.hit = out is not None
            return out

        def set_(*args, **kwargs):
            real_set(*args, **kwargs)
            observer.written = True

        LocalTaskCache.get = staticmethod(get)
        LocalTaskCache.set = staticmethod(set_)

    def status(self):
        if self.hit:
            return "CACHE_HIT"
        if self.written:
            return "CACHE_POPULATED"
        return "CACHE_MISS" if self.looked_up else "CACHE_DISABLED"


if __name__ == "__main__":
    sys.exit(main())
