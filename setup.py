"""Only for what pyproject.toml cannot say: ship the top-level manifest.json in the wheel."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithManifest(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads manifest.json from the checkout itself
        target = Path(self.build_lib) / "reader" / "manifest.json"
        self.copy_file("manifest.json", str(target))


setup(cmdclass={"build_py": BuildWithManifest})
