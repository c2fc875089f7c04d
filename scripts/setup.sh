#!/usr/bin/env bash
# Installs everything NpuLens needs on Debian 12 with Node 20 and builds it:
# system packages (apt, only those missing), npm packages, generated models, the native addon and the TypeScript.
# Safe to run again; each step skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then say "Node.js 20 or newer is required (found: $(node --version 2>/dev/null || echo none))"; exit 1; fi

# System packages: build tools, the host NN runtime's libraries, test tools, model tooling.
apt_packages=(cmake ninja-build g++ pkg-config
  libxnnpack-dev libpthreadpool-dev libonnx-dev libprotobuf-dev protobuf-compiler nlohmann-json3-dev libgtest-dev
  python3 python3-numpy python3-onnx python3-pil
  clang-16 g++-aarch64-linux-gnu lld-16 libc++-16-dev libc++abi-16-dev  # the device build check (25-device.sh)
  qemu-user  # qemu-aarch64: the aarch64 kernel tests (15-aarch64.sh)
  libclang-rt-16-dev  # libFuzzer + sanitizer runtimes for clang-16 (60-fuzz.sh)
  clang-format-16 clang-tidy-16 python3-flake8 black)  # lint (50-lint.sh)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo_cmd=()
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo_cmd=(sudo)
  else
    say "these Debian packages are missing and installing them needs root or sudo: ${missing[*]}"
    say "run: sudo apt-get install -y ${missing[*]}   then run this script again"
    exit 1
  fi
  say "installing Debian packages: ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages. onnxruntime-node's install script would fetch a CUDA provider from the network; we need only its CPU build.
say "installing npm packages"
ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --loglevel=error >/dev/null

# Component steps (generated models, ...), in order.
for step in scripts/setup.d/*.sh; do
  [ -e "$step" ] || continue
  bash "$step"
done

say "building the native addon and the TypeScript"
npm run --silent build >/dev/null
say "done"
