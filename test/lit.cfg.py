# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config

config.name = "Kiln"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "unit", "lib"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test")

config.environment["PYTHONPATH"] = os.path.join(config.kiln_src_root, "test", "lib")
llvm_config.with_system_environment(["HOME", "TMPDIR"])
llvm_config.use_default_substitutions()

# Kiln's tools and LLVM's (FileCheck, not, split-file, llvm-nm, ...) are found
# on PATH rather than by text substitution, so that words like `--emit kiln`
# in RUN lines stay as written.
llvm_config.with_environment(
    "PATH", [os.path.join(config.kiln_obj_root, "bin"), config.llvm_tools_dir],
    append_path=True)
config.substitutions.append(("%python", config.python))
config.substitutions.append(("%kiln_src", config.kiln_src_root))
config.substitutions.append(("%kiln_obj", config.kiln_obj_root))
config.substitutions.append(("%kiln_bin_dir", os.path.join(config.kiln_obj_root, "bin")))
