#!/usr/bin/env node
// The kafkit command-line tool (DLQ inspection, replay, tailing topics). Commands arrive with later issues.
import { VERSION } from '../index.ts'

console.log(`kafkit ${VERSION}`)
