#!/usr/bin/env python3
"""Flyte 2's local ContainerTask (PyPI `flyte`) behind rawconf's adapter contract (docs/adapter.md, v1 and v2).

For each request it builds a real `flyte.extras.ContainerTask` (PyPI flyte, pinned in
requirements.txt) and runs it with `flyte.init()` + `flyte.with_runcontext(mode="local").run(…)`,
so Flyte 2 renders the command, starts the container through docker-py on the local engine and
reads the outputs back, exactly as a user's local `flyte.run` would. rawconf judges the result
against `--profile backend`; every difference is a finding about Flyte 2's local execution
(adapters/flyte2/README.md), not a bug in this adapter to paper over.

    adapters/flyte2/setup.sh          # creates target/flyte2-venv once
    rawconf run --runtime 'cmd:adapters/flyte2/run.sh' --suite ellipse

Nothing here re-implements Flyte 2. The adapter only observes and contains what Flyte 2 does,
through docker-py (which Flyte 2 imports lazily inside `ContainerTask.execute`):

* every container Flyte 2 starts is labelled (`rawconf.run`, `rawconf.pid`, `rawconf.adapter`)
  so rawconf's reaper and the tests can find it, and is tracked so the adapter removes it in
  all cases — Flyte 2 removes a container only when reading its outputs succeeded;
* the argv, bind mounts, exit status, logs and output directory of that container are recorded
  when it exits (Flyte 2 ignores the exit status and discards the logs);
* the container is killed after `timeoutSeconds` (Flyte 2 waits forever locally);
* image pulls are refused: the image rawconf names exists on the engine and is used as is
  (Flyte 2 only pulls when `images.list` finds nothing, and never builds in local execution);
* Flyte 2's scratch directories (`flyte-tmp-*` in $TMPDIR, which it never removes, and the run
  metadata it otherwise writes to the fixed `/tmp/flyte/`) go into one private directory that
  the adapter deletes before it exits.

Version 2 (a case of the execution suite): `TaskMetadata.retries` becomes the task's `retries`
(Flyte 2's local controller makes retries + 1 attempts of a recoverable error) and
`discoverable`/`discoveryVersion` the documented explicit version, `Cache(behavior="override",
version_override=…)` — or `behavior=$RAWCONF_FLYTE2_CACHE_BEHAVIOR` (e.g. `auto`), to see what
the other behaviour does (README row 27). Every call of the task's `execute` is reported as an
attempt, and Flyte 2's local task cache (SQLite, normally under ~/.flyte) is pointed at the
request's `cacheDir` and watched for the cache status. The run takes the execution's name,
project and domain.

Exit status: 0 with a result on stdout (an exception raised by the run is an `error` result:
code = the exception's type, message = its text); 33 for requests Flyte 2's ContainerTask cannot
express (collection/map/union types, a disabled data config) with the reason on stderr; 1 if the
adapter itself fails.
"""

import base64
import datetime
import json
import os
import shutil
import signal
import sys
import tempfile
import threading

UNSUPPORTED = 33
RECORD_CAP = 64 * 1024
ADAPTER_LABEL = "rawconf.adapter"
ADAPTER_NAME = "flyte2"


def loads(text):
    # `-0` must stay the double -0.0 (Python's json makes it the integer 0).
    return json.loads(text, parse_int=lambda s: -0.0 if s == "-0" else int(s))


class Unsupported(Exception):
    """The request needs something Flyte 2's ContainerTask cannot express (exit 33)."""


def log(msg):
    print(f"flyte2 adapter: {msg}", file=sys.stderr)


def main():
    # Flyte 2 logs to stdout (its rich console handler); the contract reserves stdout for the
    # one result. Keep the real stdout for that and send everything else to stderr.
    result_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if sys.argv[1:] == ["--rawconf-contracts"]:
        # The handshake (docs/adapter.md, "Version 2"): Flyte 2's local controller runs
        # attempts and keeps a task cache, which this adapter observes and reports.
        json.dump({"contracts": [1, 2]}, result_out)
        result_out.write("\n")
        result_out.flush()
        return 0
    request = loads(sys.stdin.read())
    if request.get("version") not in (1, 2):
        log(f"unsupported request version {request.get('version')!r}")
        return UNSUPPORTED
    # Everything Flyte 2 writes to disk goes below this directory, removed in `finally`.
    scratch = tempfile.mkdtemp(prefix="rawconf-flyte2-", dir=request["context"]["workDir"])
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = scratch
    observer = DockerObserver(
        labels={
            # A version-2 request has no key (the runtime derives its own): the work dir names the case.
            "rawconf.run": request["context"].get("perRetryUniqueKey")
            or os.path.basename(os.path.normpath(request["context"]["workDir"])),
            "rawconf.pid": str(os.getpid()),
            ADAPTER_LABEL: ADAPTER_NAME,
        },
        timeout=float(request["task"]["timeoutSeconds"]),
    )

    def on_term(*_):
        # rawconf stops a late adapter with SIGTERM: leave nothing behind.
        observer.remove_all()
        shutil.rmtree(scratch, ignore_errors=True)
        os._exit(143)

    signal.signal(signal.SIGTERM, on_term)
    try:
        result = execute(request, observer, scratch)
    except Unsupported as e:
        log(f"unsupported: {e}")
        return UNSUPPORTED
    finally:
        observer.remove_all()
        shutil.rmtree(scratch, ignore_errors=True)
    json.dump(result, result_out, allow_nan=False)
    result_out.write("\n")
    result_out.flush()
    return 0


def python_type(literal_type, where):
    """The Python type Flyte 2's type engine maps a flyteidl.core.LiteralType (protobuf JSON) from."""
    from flyte.io import Dir, File

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
        return Dir if literal_type["blob"].get("dimensionality") == "MULTIPART" else File
    # ContainerTask renders a collection as Python's repr and cannot read one back from a
    # file (`list(text)` would split it into characters): nothing here that a raw container
    # could rely on, so such cases are not run.
    raise Unsupported(f"{where}: literal type {json.dumps(literal_type, sort_keys=True)} "
                      "(Flyte 2's ContainerTask maps only primitives, File and Dir)")


def variables(interface, side):
    """Declared variables in request order; Flyte 2 returns outputs positionally in this order."""
    return {
        name: python_type(v["type"], f"interface.{side}.{name}")
        for name, v in interface.get(side, {}).get("variables", {}).items()
    }


class DockerObserver:
    """Wraps docker-py at the class level (Flyte 2 makes its own client) to label, watch, time
    out and finally remove the containers Flyte 2 starts; what Flyte 2 asks for is passed on."""

    def __init__(self, labels, timeout):
        self.labels = labels
        self.timeout = timeout
        self.containers = []
        self.image = None
        self.argv = None
        self.volumes = {}
        self.exit_code = None
        self.timed_out = False
        self.stdout = None
        self.stderr = None
        self.files = None
        self.input_files = None
        self.output_path = None
        self.input_path = None
        self.pulls = []

    def install(self, output_path, input_path):
        from docker.models.containers import ContainerCollection
        from docker.models.images import ImageCollection

        self.output_path = os.path.normpath(output_path)
        self.input_path = os.path.normpath(input_path)
        real_run = ContainerCollection.run
        observer = self

        def run(collection, image, command=None, **kw):
            observer.image = image
            observer.argv = list(command) if command is not None else None
            observer.volumes = dict(kw.get("volumes") or {})
            kw["labels"] = {**(kw.get("labels") or {}), **observer.labels}
            container = real_run(collection, image, command=command, **kw)
            observer.watch(container)
            return container

        def pull(collection, repository, *args, **kwargs):
            # No registry here, and the image under test must be used as is.
            observer.pulls.append(repository)
            raise RuntimeError(f"rawconf flyte2 adapter: refusing to pull {repository!r}: "
                               "the image must already exist on the local engine")

        ContainerCollection.run = run
        ImageCollection.pull = pull

    def watch(self, container):
        self.containers.append(container)
        timer = threading.Timer(self.timeout, self.kill, args=(container,))
        timer.daemon = True
        timer.start()
        real_wait = container.wait

        def wait(*args, **kwargs):
            status = real_wait(*args, **kwargs)
            timer.cancel()
            self.exit_code = None if self.timed_out else status.get("StatusCode")
            self.record(container)
            return status

        container.wait = wait

    def kill(self, container):
        self.timed_out = True
        try:
            container.kill()
        except Exception:  # it exited meanwhile
            pass

    def record(self, container):
        """What the container left: logs (Flyte 2 drops them), output dir, mounted inputs."""
        try:
            self.stdout = container.logs(stdout=True, stderr=False).decode("utf-8", "replace")
            self.stderr = container.logs(stdout=False, stderr=True).decode("utf-8", "replace")
        except Exception as e:
            log(f"could not read the container's logs: {e}")
        out_dir = self.host_dir(self.output_path)
        if out_dir is not None and os.path.isdir(out_dir):
            self.files = snapshot(out_dir)
        # Flyte 2 writes no input files; only File/Dir inputs are bind-mounted under the
        # input path. Report exactly what the container could see there.
        self.input_files = {}
        for host, spec in self.volumes.items():
            bind = os.path.normpath(spec.get("bind", ""))
            if os.path.dirname(bind) != self.input_path:
                continue
            name = os.path.basename(bind)
            if os.path.isdir(host):
                for rel, content in snapshot(host).items():
                    self.input_files[f"{name}/{rel}"] = content
            elif os.path.isfile(host):
                self.input_files[name] = file_record(host)

    def remove_all(self):
        """Force-removes every container this process started: those tracked, and any carrying
        this process's label (one created but not yet returned to the tracker, e.g. when
        SIGTERM arrives during `containers.run`). Uses a fresh client: Flyte 2's may be busy in
        another thread."""
        import docker

        ids = {c.id for c in self.containers}
        try:
            client = docker.from_env()
            mine = client.containers.list(all=True, filters={"label": f"rawconf.pid={self.labels['rawconf.pid']}"})
            ids |= {c.id for c in mine}
        except Exception as e:
            log(f"could not list this adapter's containers: {e}")
            client = None
        for cid in ids:
            try:
                (client or docker.from_env()).api.remove_container(cid, force=True, v=True)
            except docker.errors.NotFound:  # Flyte 2 removed it (it does so only on success)
                pass
            except Exception as e:
                log(f"could not remove container {cid[:12]}: {e}")
        self.containers = []

    def host_dir(self, bind):
        for host, spec in self.volumes.items():
            if os.path.normpath(spec.get("bind", "")) == bind:
                return host
        return None

    def entrypoint(self):
        """The image's ENTRYPOINT, which Docker keeps: Flyte 2 passes command + args as Cmd."""
        import docker

        try:
            config = docker.from_env().images.get(self.image).attrs.get("Config") or {}
            return list(config.get("Entrypoint") or [])
        except Exception:
            return []


def file_record(path):
    """One file as rawconf records it (docs/report.md): UTF-8 text, else base64, capped."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        data = f.read(RECORD_CAP)
    if size > RECORD_CAP:
        return {"truncated": size, "base64": base64.b64encode(data).decode()}
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode()}


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
                out[rel] = file_record(path)
    return dict(sorted(out.items()))


def error_of(e):
    """The ContainerError for an exception raised by `flyte.run`. A local run re-raises a
    task's failure as a `flyte.errors.RuntimeUserError` (or another BaseRuntimeError) whose
    `code` is the original exception's type name (`TypeError`, …) and whose text is the
    original message: report those. Flyte 2's error kind (user/system) has no ContainerError
    counterpart, so `kind` is left unset."""
    from flyte.errors import BaseRuntimeError

    if isinstance(e, BaseRuntimeError) and isinstance(getattr(e, "code", None), str) and e.code:
        return {"code": e.code, "message": str(e)}
    return {"code": type(e).__name__, "message": str(e)}


def execute(request, observer, scratch):
    import flyte
    from flyte.extras import ContainerTask
    from flyte.types import TypeEngine
    from flyteidl2.core import literals_pb2
    from google.protobuf import json_format

    task = request["task"]
    data = task["dataConfig"]
    if not data.get("enabled", True):
        raise Unsupported("dataConfig.enabled = false (Flyte 2's ContainerTask always enables data loading)")
    inputs_t = variables(task["interface"], "inputs")
    outputs_t = variables(task["interface"], "outputs")

    # An unset directory is Flyte 2's own default, as a user who omits the argument gets it.
    dirs = {}
    if data.get("inputPath"):
        dirs["input_data_dir"] = data["inputPath"]
    if data.get("outputPath"):
        dirs["output_data_dir"] = data["outputPath"]
    v2 = request["version"] == 2
    settings = {}
    if v2:
        meta = task.get("metadata", {})
        # TaskMetadata.retries → Flyte 2's `retries` (its local controller makes retries + 1
        # attempts of a recoverable error); discoverable + discoveryVersion → the documented
        # explicit version, `Cache(behavior="override", version_override=…)`.
        settings["retries"] = int(meta.get("retries", {}).get("retries", 0))
        if meta.get("discoverable"):
            from flyte import Cache

            settings["cache"] = Cache(behavior=os.environ.get("RAWCONF_FLYTE2_CACHE_BEHAVIOR", "override"), version_override=meta["discoveryVersion"])
        else:
            settings["cache"] = "disable"
    container_task = ContainerTask(
        name=task["id"]["name"] if v2 else task["name"],
        image=task["image"],
        command=list(task["command"]),
        arguments=list(task.get("args", [])) or None,
        inputs=inputs_t or None,
        outputs=outputs_t or None,
        metadata_format=data.get("format", "JSON"),
        env_vars={kv["key"]: kv.get("value", "") for kv in task.get("env", [])} or None,
        timeout=datetime.timedelta(seconds=float(task["timeoutSeconds"])),
        **settings,
        **dirs,
    )
    # The directories as the task holds them (its defaults filled in), for finding the binds.
    observer.install(str(container_task._output_data_dir), str(container_task._input_data_dir))

    attempts = AttemptObserver(container_task, observer, outputs_t) if v2 else None
    cache = CacheObserver(request["context"]["cacheDir"] if v2 else scratch)
    flyte.init()
    literal_map = json_format.Parse(json.dumps(request["inputs"]), literals_pb2.LiteralMap())
    kwargs = run_sync(TypeEngine.literal_map_to_kwargs(literal_map, inputs_t))

    identity = {}
    if v2:
        execution = request["context"]["executionId"]
        identity = {"name": execution["name"], "project": execution["project"],
                    "domain": execution["domain"]}
    runner = flyte.with_runcontext(mode="local", raw_data_path=os.path.join(scratch, "raw_data"),
                                   **identity)
    # A local run writes its metadata to the fixed /tmp/flyte/metadata/<run>/ and never deletes
    # it: with_runcontext's `run_base_dir` is only used remotely, and the runner's own
    # `metadata_path` is not exposed. Set that one, so the metadata lands in the scratch dir.
    if not hasattr(runner, "_metadata_path"):
        raise RuntimeError("this flyte has no _Runner._metadata_path: the adapter cannot keep "
                           "its run metadata out of /tmp/flyte (update adapter.py for it)")
    runner._metadata_path = os.path.join(scratch, "metadata")
    names = list(outputs_t)
    try:
        run = runner.run(container_task, **kwargs)
        values = tuple(run.outputs())
        if not names and values == (None,):
            # A task without outputs returns None, which the local run wraps as one output.
            values = ()
    except Exception as e:  # a task error is a result
        result = {"error": error_of(e)}
    else:
        if len(values) != len(names):
            raise RuntimeError(f"Flyte 2 returned {len(values)} outputs for {len(names)} declared")
        # Flyte 2 names outputs o0, o1, … in declaration order: map them back to their names.
        literals = {}
        result = {"outputs": to_literal_map(names, values, outputs_t)}

    if observer.timed_out:
        # The timeout is the adapter's (Flyte 2 has none and would wait for ever), so it is
        # reported as the reference runtime reports its own. What Flyte 2 made of the killed
        # container — it reads whatever outputs were written, exit status ignored — goes to stderr.
        log(f"killed the container at the timeout; Flyte 2 then returned {json.dumps(result)}")
        seconds = float(task["timeoutSeconds"])
        shown = f"{int(seconds)}s" if seconds.is_integer() else f"{seconds}s"
        result = {"error": {"code": "Timeout", "kind": "RECOVERABLE", "origin": "SYSTEM",
                            "message": f"the container ran longer than {shown} and was killed"}}
    if observer.argv is not None:
        result["argv"] = observer.entrypoint() + observer.argv
        result["exitCode"] = observer.exit_code
        if observer.files is not None:
            result["files"] = observer.files
        if observer.input_files is not None:
            result["inputFiles"] = observer.input_files
        if observer.stdout is not None:
            result["stdout"] = observer.stdout
            result["stderr"] = observer.stderr
    result["timedOut"] = observer.timed_out
    if v2:
        result["attempts"] = attempts.attempts
        result["cacheStatus"] = cache.status()
        if cache.hit:
            # No container ran: nothing of one to report.
            for k in ("argv", "exitCode", "files", "inputFiles", "stdout", "stderr"):
                result.pop(k, None)
        elif attempts.attempts and observer.timed_out:
            attempts.attempts[-1] = {"exitCode": None, "error": result["error"]}
    return result


def to_literal_map(names, values, outputs_t):
    """Flyte 2's positional output values as a LiteralMap (protobuf JSON) by declared name."""
    from flyte.types import TypeEngine
    from google.protobuf import json_format

    literals = {}
    for name, value in zip(names, values):
        t = outputs_t[name]
        lit = run_sync(TypeEngine.to_literal(value, t, TypeEngine.to_literal_type(t)))
        literals[name] = json_format.MessageToDict(lit)
    return {"literals": literals}


class AttemptObserver:
    """Records every attempt Flyte 2's local controller makes: it calls the task's `execute`
    once per attempt (retries + 1 times for a recoverable error), so wrapping that one method
    on the instance sees each attempt's outputs or exception, and the observer the exit code
    of the container it started (None when no container ran)."""

    def __init__(self, container_task, observer, outputs_t):
        self.attempts = []
        real = container_task.execute
        names = list(outputs_t)

        async def execute(**kwargs):
            observer.exit_code = None
            observer.argv = None
            try:
                out = await real(**kwargs)
            except Exception as e:
                self.attempts.append({"exitCode": observer.exit_code, "error": error_of(e)})
                raise
            values = out if isinstance(out, tuple) else (() if out is None else (out,))
            attempt = {"exitCode": observer.exit_code}
            try:
                attempt["outputs"] = run_sync_in_thread(to_literal_map, names, values, outputs_t)
            except Exception as e:  # recorded as the run itself will report it
                attempt["error"] = error_of(e)
            self.attempts.append(attempt)
            return out

        # TaskTemplate is a dataclass: the attribute can be set on the instance.
        object.__setattr__(container_task, "execute", execute)


class CacheObserver:
    """Points Flyte 2's local task cache (a SQLite file under ~/.flyte/local-cache) at `dir` —
    the case's cacheDir for version 2, so prior runs of a case share it and nothing is left in
    the home directory — and watches its reads and writes to report a CatalogCacheStatus."""

    def __init__(self, cache_dir):
        from pathlib import Path

        from flyte._persistence._db import LocalDB
        from flyte._persistence._task_cache import LocalTaskCache

        LocalDB._get_cache_dir = staticmethod(lambda: Path(cache_dir))
        self.looked_up = False
        self.hit = False
        self.written = False
        real_get, real_set = LocalTaskCache.get, LocalTaskCache.set
        observer = self

        async def get(cache_key):
            out = await real_get(cache_key)
            observer.looked_up = True
            observer.hit = out is not None
            return out

        async def set_(cache_key, value):
            await real_set(cache_key, value)
            observer.written = True

        LocalTaskCache.get = staticmethod(get)
        LocalTaskCache.set = staticmethod(set_)

    def status(self):
        if self.hit:
            return "CACHE_HIT"
        if self.written:
            return "CACHE_POPULATED"
        return "CACHE_MISS" if self.looked_up else "CACHE_DISABLED"


def run_sync(coro):
    import asyncio

    return asyncio.run(coro)


def run_sync_in_thread(fn, *args):
    """`fn(*args)`, which calls run_sync, from inside a running event loop (a new thread has none)."""
    box = {}

    def target():
        try:
            box["value"] = fn(*args)
        except BaseException as e:  # re-raised in the caller's thread
            box["error"] = e

    t = threading.Thread(target=target)
    t.start()
    t.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


if __name__ == "__main__":
    sys.exit(main())
