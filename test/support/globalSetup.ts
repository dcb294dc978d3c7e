// Placeholder: replaced by the PostgreSQL template-database setup.
export default function setup() {}
