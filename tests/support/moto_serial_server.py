"""moto_server, serving one request at a time.

moto 5.2.1's threaded server races in DynamoDB TransactWriteItems: it deep-copies a table while another request
thread writes to it ("RuntimeError: dictionary changed size during iteration", answered as an HTML 500). Real
DynamoDB has no such race, so the emulator is run serially; concurrency between our own invocations still
interleaves at request granularity. Same command line as moto_server: -H HOST -p PORT.
"""
import argparse
import os

from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("-H", "--host", default="127.0.0.1")
parser.add_argument("-p", "--port", type=int, default=5000)
args = parser.parse_args()
os.environ.setdefault("MOTO_PORT", str(args.port))
run_simple(args.host, args.port, DomainDispatcherApplication(create_backend_app), threaded=False, use_reloader=False)
