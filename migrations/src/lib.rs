//! Habilis database schema as sea-orm migrations.
pub use sea_orm_migration::prelude::*;

/// Runs every migration of Habilis in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![]
    }
}
