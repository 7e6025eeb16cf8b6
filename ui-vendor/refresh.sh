#!/usr/bin/env bash
# Refresh the dashboard's front-end libraries from npm.
#
# The versions are pinned, exactly, in package.json and package-lock.json (with their
# integrity hashes). This script installs exactly those (npm ci) and copies the files the page
# loads, with each library's licence, into meclab/ui/static/vendor/, which is what the Python
# package ships: `pip install meclab` never needs Node. To move to a newer version, edit its
# pin in package.json, run `npm install --save-exact` here, then this script, and commit
# package*.json with the copied files.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../meclab/ui/static/vendor"
cd "$here"
npm ci --no-audit --no-fund --ignore-scripts
mkdir -p "$out"
rm -f "$out"/*
# uPlot: the live charts (MIT)
cp node_modules/uplot/dist/uPlot.iife.min.js "$out/uplot.js"
cp node_modules/uplot/dist/uPlot.min.css "$out/uplot.css"
{
  for pkg in uplot; do
    version="$(node -p "require('./node_modules/$pkg/package.json').version")"
    licence="$(node -p "require('./node_modules/$pkg/package.json').license")"
    printf '%s %s (%s)\n\n' "$pkg" "$version" "$licence"
    cat "node_modules/$pkg/LICENSE"
    printf '\n\n'
  done
} >"$out/LICENSES.txt"
echo "copied into $out:"
ls -l "$out"
