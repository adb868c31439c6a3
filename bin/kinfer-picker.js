#!/usr/bin/env node
import '../dist/picker/main.js';
