#!/usr/bin/env node
// The `passki` command. npm links a package's bins before its `prepare` script builds dist/, so
// the link must point at a file that is committed, not at the build output.
import '../dist/cli.js';
