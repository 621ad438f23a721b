"""Evidence files (lab reports, certificates, photos), stored content-addressed by SHA-256."""
