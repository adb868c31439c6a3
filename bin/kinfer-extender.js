#!/usr/bin/env node
import '../dist/extender/main.js';
