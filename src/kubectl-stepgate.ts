#!/usr/bin/env node
/**
 * `kubectl stepgate <command>`: kubectl finds plugins as `kubectl-<name>` on PATH. Same commands as
 * `stepgate` (credential, login, logout, status, kubeconfig); the dispatcher is shared.
 */
import './cli.js';
