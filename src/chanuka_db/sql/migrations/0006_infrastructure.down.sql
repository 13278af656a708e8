-- Undo 0006_infrastructure: drop its tables (dependants first).
DROP TABLE security_audit_logs;
DROP TABLE sync_errors;
DROP TABLE sync_jobs;
DROP TABLE evaluations;
DROP TABLE conflict_sources;
DROP TABLE threat_intelligence;
DROP TABLE departments;
DROP TABLE notifications;
DROP TABLE compliance_checks;
DROP TABLE conflicts;
