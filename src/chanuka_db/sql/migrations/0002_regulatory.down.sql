-- Undo 0002_regulatory: drop its tables (dependants first).
DROP TABLE stakeholders;
DROP TABLE regulatory_changes;
DROP TABLE sponsor_transparency;
DROP TABLE sponsor_affiliations;
DROP TABLE regulatory_impact;
DROP TABLE regulations;
DROP TABLE sponsors;
