"""Only for what pyproject.toml cannot say: ship the top-level manifest.json in the wheel, and the
translation catalogs compiled (.po -> .mo; the .mo files are never committed)."""
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithManifest(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads manifest.json from the checkout itself
        target = Path(self.build_lib) / "reader" / "manifest.json"
        self.copy_file("manifest.json", str(target))
        for source in Path("reader/translations").glob("*/LC_MESSAGES/messages.po"):
            compiled = Path(self.build_lib) / source.with_suffix(".mo")
            compiled.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as po, compiled.open("wb") as mo:
                write_mo(mo, read_po(po, locale=source.parts[-3]))


setup(cmdclass={"build_py": BuildWithManifest})
