package lint

// stdlib holds the top-level modules of Python's standard library
// (sys.stdlib_module_names of CPython 3.11, private ones left out): an
// import of one of them always resolves.
var stdlib = map[string]bool{
	"__future__": true, "_thread": true, "abc": true, "aifc": true, "antigravity": true, "argparse": true,
	"array": true, "ast": true, "asynchat": true, "asyncio": true, "asyncore": true, "atexit": true, "audioop": true, "base64": true, "bdb": true, "binascii": true, "bisect": true, "builtins": true, "bz2": true,
	"cProfile": true, "calendar": true, "cgi": true, "cgitb": true, "chunk": true, "cmath": true, "cmd": true,
	"code": true, "codecs": true, "codeop": true, "collections": true, "colorsys": true, "compileall": true,
	"concurrent": true, "configparser": true, "contextlib": true, "contextvars": true, "copy": true, "copyreg": true, "crypt": true, "csv": true, "ctypes": true, "curses": true, "dataclasses": true, "datetime": true,
	"dbm": true, "decimal": true, "difflib": true, "dis": true, "distutils": true, "doctest": true, "email": true,
	"encodings": true, "ensurepip": true, "enum": true, "errno": true, "faulthandler": true, "fcntl": true,
	"filecmp": true, "fileinput": true, "fnmatch": true, "fractions": true, "ftplib": true, "functools": true,
	"gc": true, "genericpath": true, "getopt": true, "getpass": true, "gettext": true, "glob": true, "graphlib": true, "grp": true, "gzip": true, "hashlib": true, "heapq": true, "hmac": true, "html": true, "http": true,
	"idlelib": true, "imaplib": true, "imghdr": true, "imp": true, "importlib": true, "inspect": true, "io": true,
	"ipaddress": true, "itertools": true, "json": true, "keyword": true, "lib2to3": true, "linecache": true,
	"locale": true, "logging": true, "lzma": true, "mailbox": true, "mailcap": true, "marshal": true, "math": true, "mimetypes": true, "mmap": true, "modulefinder": true, "msilib": true, "msvcrt": true,
	"multiprocessing": true, "netrc": true, "nis": true, "nntplib": true, "nt": true, "ntpath": true,
	"nturl2path": true, "numbers": true, "opcode": true, "operator": true, "optparse": true, "os": true,
	"ossaudiodev": true, "pathlib": true, "pdb": true, "pickle": true, "pickletools": true, "pipes": true,
	"pkgutil": true, "platform": true, "plistlib": true, "poplib": true, "posix": true, "posixpath": true,
	"pprint": true, "profile": true, "pstats": true, "pty": true, "pwd": true, "py_compile": true, "pyclbr": true,
	"pydoc": true, "pydoc_data": true, "pyexpat": true, "queue": true, "quopri": true, "random": true, "re": true,
	"readline": true, "reprlib": true, "resource": true, "rlcompleter": true, "runpy": true, "sched": true,
	"secrets": true, "select": true, "selectors": true, "shelve": true, "shlex": true, "shutil": true, "signal": true, "site": true, "smtpd": true, "smtplib": true, "sndhdr": true, "socket": true, "socketserver": true,
	"spwd": true, "sqlite3": true, "sre_compile": true, "sre_constants": true, "sre_parse": true, "ssl": true,
	"stat": true, "statistics": true, "string": true, "stringprep": true, "struct": true, "subprocess": true,
	"sunau": true, "symtable": true, "sys": true, "sysconfig": true, "syslog": true, "tabnanny": true, "tarfile": true, "telnetlib": true, "tempfile": true, "termios": true, "textwrap": true, "this": true, "threading": true,
	"time": true, "timeit": true, "tkinter": true, "token": true, "tokenize": true, "tomllib": true, "trace": true, "traceback": true, "tracemalloc": true, "tty": true, "turtle": true, "turtledemo": true, "types": true,
	"typing": true, "unicodedata": true, "unittest": true, "urllib": true, "uu": true, "uuid": true, "venv": true,
	"warnings": true, "wave": true, "weakref": true, "webbrowser": true, "winreg": true, "winsound": true,
	"wsgiref": true, "xdrlib": true, "xml": true, "xmlrpc": true, "zipapp": true, "zipfile": true, "zipimport": true, "zlib": true, "zoneinfo": true,
}

// importDists maps import names to the distribution that provides them,
// where the two differ; a prefix match is enough (opencv- covers all
// opencv-python variants).
var importDists = map[string]string{
	"PIL": "pillow", "cv2": "opencv", "yaml": "pyyaml", "sklearn": "scikit-learn", "skimage": "scikit-image",
	"bs4": "beautifulsoup4", "dotenv": "python-dotenv", "dateutil": "python-dateutil", "jwt": "pyjwt",
	"google": "google-", "attr": "attrs", "Crypto": "pycryptodome", "magic": "python-magic",
	"multipart": "python-multipart", "docx": "python-docx", "fitz": "pymupdf", "OpenSSL": "pyopenssl",
	"serial": "pyserial", "zmq": "pyzmq", "git": "gitpython", "websocket": "websocket-client",
	"pkg_resources": "setuptools", "llama_cpp": "llama-cpp-python", "onnxruntime": "onnxruntime",
	"faiss": "faiss", "soundfile": "soundfile", "cairosvg": "cairosvg", "mediapipe": "mediapipe",
	"insightface": "insightface", "whisper": "openai-whisper", "TTS": "coqui-tts", "sentencepiece": "sentencepiece",
}

// commonModules are installed with the packages almost every worker has
// (the runpod SDK, torch, transformers, diffusers) or are test tools, so a
// test importing them without listing them is not flagged.
var commonModules = map[string]bool{
	"runpod": true, "pytest": true, "_pytest": true, "mock": true, "requests": true, "urllib3": true,
	"aiohttp": true, "boto3": true, "botocore": true, "fastapi": true, "uvicorn": true, "pydantic": true,
	"starlette": true, "click": true, "tqdm": true, "backoff": true, "cryptography": true, "numpy": true,
	"typing_extensions": true, "filelock": true, "fsspec": true, "jinja2": true, "packaging": true,
	"huggingface_hub": true, "safetensors": true, "tokenizers": true, "regex": true, "yaml": true,
	"PIL": true, "setuptools": true, "pkg_resources": true, "certifi": true, "idna": true, "six": true,
}

// imageModules come with PyTorch and vLLM base images.
var imageModules = map[string]bool{
	"torch": true, "torchvision": true, "torchaudio": true, "vllm": true, "transformers": true, "triton": true,
}
