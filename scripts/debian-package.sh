#!/usr/bin/env bash
# Installs Debian packages (quietly, with sudo when not root): sourced by the scripts that
# bring a server of their own (postgres.sh, cluster.sh).
debian_install() {
  local sudo=""
  if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
  printf '\033[1;34m[setup]\033[0m installing %s from Debian'"'"'s packages\n' "$*" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
