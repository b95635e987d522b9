/*
 * Processes that the script starts (multiprocessing, os.fork), set up once
 * per interpreter start. What scripts written for the Orthanc project's
 * plugin expect, and what keeps Orthanc safe:
 *
 * - The default start method of multiprocessing is "fork" on Linux, on every
 *   Python (3.14 made "forkserver" the default): the Orthanc Book's pattern,
 *   a Pool created at import time running functions of the script, only
 *   works in a copy of the running interpreter, because "spawn" and
 *   "forkserver" re-import the script in a plain Python, where there is no
 *   orthanc module. Explicit get_context("spawn"/"forkserver") still works.
 *
 * - A forked child is a copy of Orthanc. It gets Python's own signal
 *   dispositions (Orthanc's handlers of SIGTERM & co. only ask Orthanc's main
 *   loop, absent from the child, to stop: terminate() would wait forever),
 *   and plain file streams on fds 1 and 2 when the parent's sys.stdout and
 *   sys.stderr write to Orthanc's log (the child must not call Orthanc).
 *
 * - Processes started with "spawn" or "forkserver" find, at the end of
 *   sys.path (which multiprocessing hands to them), a stand-in orthanc.py
 *   whose import raises ModuleNotFoundError with an explanation; inside
 *   Orthanc the built-in module always wins. Scripts that guard the import
 *   (`try: import orthanc / except ImportError`) then load in such children.
 *
 * - multiprocessing.Pool loses the task of a worker that dies (killed, or an
 *   exception outside a task, such as a failing initializer or a task that
 *   cannot be unpickled) and waits for it forever. When a worker of a pool
 *   exits with a non-zero code, every pending result of that pool fails with
 *   multiprocessing.ProcessError, so apply(), map() & co. raise in the parent
 *   within the pool's own polling period (0.1 s) instead of hanging.
 */
#include "runtime_internal.h"

static const char g_childCode[] =
  "import atexit, os, signal, sys\n"
  "\n"
  "def _plain_stream(fd):\n"
  "    import io\n"
  "    try:\n"
  "        raw = io.FileIO(fd, 'w', closefd=False)\n"
  "    except OSError:\n"
  "        return None\n"
  "    return io.TextIOWrapper(raw, encoding='utf-8', errors='backslashreplace',\n"
  "                            line_buffering=True, write_through=True)\n"
  "\n"
  "def _after_fork_in_child():\n"
  "    try:\n"
  "        for name in ('SIGTERM', 'SIGHUP', 'SIGQUIT'):\n"
  "            if hasattr(signal, name):\n"
  "                signal.signal(getattr(signal, name), signal.SIG_DFL)\n"
  "        signal.signal(signal.SIGINT, signal.default_int_handler)\n"
  "    except ValueError:\n"
  "        pass   # not the main thread of the child: nothing Python can do\n"
  "    if OUTPUT_TO_LOG:\n"
  "        sys.stdout = sys.__stdout__ = _plain_stream(1)\n"
  "        sys.stderr = sys.__stderr__ = _plain_stream(2)\n"
  "\n"
  "if hasattr(os, 'register_at_fork'):\n"
  "    os.register_at_fork(after_in_child=_after_fork_in_child)\n"
  "\n"
  "import multiprocessing, multiprocessing.context, multiprocessing.pool, weakref\n"
  "\n"
  "if sys.platform.startswith('linux'):\n"
  "    _default = getattr(multiprocessing.context, '_default_context', None)\n"
  "    _fork = getattr(multiprocessing.context, '_concrete_contexts', {}).get('fork')\n"
  "    if _fork is not None and hasattr(_default, '_default_context'):\n"
  "        _default._default_context = _fork\n"
  "\n"
  "STAND_IN = '''raise ModuleNotFoundError(\n"
  "    'No module named orthanc: it exists only inside Orthanc, and this process was started by '\n"
  "    'multiprocessing with the \"spawn\" or \"forkserver\" start method, which runs a plain Python '\n"
  "    'that imports the script again. Use the default start method inside Orthanc (\"fork\"), or '\n"
  "    'define the functions run by such processes in a module that does not import orthanc.',\n"
  "    name='orthanc')\n"
  "'''\n"
  "\n"
  "def _install_stand_in():\n"
  "    import shutil, tempfile\n"
  "    folder = tempfile.mkdtemp(prefix='orthanc-python-')\n"
  "    with open(os.path.join(folder, 'orthanc.py'), 'w', encoding='utf-8') as stand_in:\n"
  "        stand_in.write(STAND_IN)\n"
  "    sys.path.append(folder)\n"
  "    atexit.register(shutil.rmtree, folder, True)\n"
  "\n"
  "try:\n"
  "    _install_stand_in()\n"
  "except OSError:\n"
  "    pass   # only the message seen in spawned children is less clear\n"
  "\n"
  "_pools = {}   # id(pool._pool) -> weak reference to the Pool\n"
  "_Pool = multiprocessing.pool.Pool\n"
  "_original_init = _Pool.__init__\n"
  "_original_join = getattr(_Pool, '_join_exited_workers', None)\n"
  "\n"
  "def _init(self, *args, **kwargs):\n"
  "    _original_init(self, *args, **kwargs)\n"
  "    key = id(self._pool)\n"
  "    _pools[key] = weakref.ref(self, lambda ref, key=key: _pools.pop(key, None))\n"
  "\n"
  "def _fail_pending(owner, exitcode):\n"
  "    how = ('was killed by signal %d' % -exitcode) if exitcode < 0 else ('exited with code %d' % exitcode)\n"
  "    error = multiprocessing.ProcessError(\n"
  "        'a worker process of the pool %s; its task is lost and the pending results of the pool '\n"
  "        'fail (the worker may have failed to start: see its traceback on the standard error)' % how)\n"
  "    for job, result in list(owner._cache.items()):\n"
  "        try:\n"
  "            if isinstance(result, multiprocessing.pool.MapResult):\n"
  "                for _ in range(result._number_left):\n"
  "                    result._set(0, (False, error))\n"
  "            elif isinstance(result, multiprocessing.pool.IMapIterator):\n"
  "                result._set(result._index, (False, error))\n"
  "            else:\n"
  "                result._set(0, (False, error))\n"
  "        except Exception:\n"
  "            pass   # the result handler completed it meanwhile\n"
  "\n"
  "def _join_exited_workers(pool):\n"
  "    for worker in list(pool):\n"
  "        code = worker.exitcode\n"
  "        if code is not None and code != 0:\n"
  "            ref = _pools.get(id(pool))\n"
  "            owner = ref() if ref is not None else None\n"
  "            if owner is not None:\n"
  "                _fail_pending(owner, code)\n"
  "            break\n"
  "    return _original_join(pool)\n"
  "\n"
  "if _original_join is not None:\n"
  "    _Pool.__init__ = _init\n"
  "    _Pool._join_exited_workers = staticmethod(_join_exited_workers)\n";


int OrthancPyChildProcesses_Setup(int outputToLog)
{
  PyObject* globals = PyDict_New();
  PyObject* builtins = (globals != NULL) ? PyEval_GetBuiltins() : NULL;  /* borrowed */
  PyObject* result = NULL;
  if (builtins != NULL && PyDict_SetItemString(globals, "__builtins__", builtins) == 0 &&
      PyDict_SetItemString(globals, "OUTPUT_TO_LOG", outputToLog ? Py_True : Py_False) == 0)
  {
    result = PyRun_String(g_childCode, Py_file_input, globals, globals);
  }
  int status = (result != NULL) ? 0 : -1;
  if (result == NULL)
  {
    OrthancPy_LogPythonError("Python plugin: cannot prepare multiprocessing and forked processes");
  }
  Py_XDECREF(result);
  Py_XDECREF(globals);
  return status;
}
