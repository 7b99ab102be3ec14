import { afterAll } from "vitest";
import { stopTestPostgres } from "./test-database";

// Runs after the test file's own hooks: its instances are closed before their PostgreSQL stops.
afterAll(() => stopTestPostgres());
