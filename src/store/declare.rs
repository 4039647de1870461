//! How tables are declared: the `tables!` macro the catalogue invokes once, the typed handle
//! other modules hold for the tables they own, and the visitor that walks every table.
//!
//! One declaration per table is what keeps creating, copying (backup, restore) and hashing
//! complete: each of them walks `catalogue::each`, so a table cannot be declared and forgotten.

use super::StoreError;
use redb::{Key, TableDefinition, Value};

/// A table whose rows another module defines and reads through `Reader::table_get` /
/// `table_scan` and writes through `Write::table_put` / `table_remove`. Only the catalogue makes
/// one, so every table is created, backed up and restored with the rest.
pub struct Table<K: Key + 'static, V: Value + 'static>(TableDefinition<'static, K, V>);

impl<K: Key + 'static, V: Value + 'static> Table<K, V> {
    pub(super) const fn new(name: &'static str) -> Self {
        Table(TableDefinition::new(name))
    }

    pub(super) fn def(self) -> TableDefinition<'static, K, V> {
        self.0
    }
}

// Derived impls would ask `K: Copy`, which `&str` keys are but key types need not be.
impl<K: Key + 'static, V: Value + 'static> Clone for Table<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<K: Key + 'static, V: Value + 'static> Copy for Table<K, V> {}

/// A value type that reads back as itself (numbers, tuples of them, `()`), so rows of a `Table`
/// come back by value instead of as guards borrowing the transaction.
pub trait Plain: for<'a> Value<SelfType<'a> = Self> + 'static {}
impl<T> Plain for T where T: for<'a> Value<SelfType<'a> = T> + 'static {}

/// Something done to every table in turn (`catalogue::each`); `name` is the on-disk name.
pub(super) trait Visit {
    fn visit<K: Key + 'static, V: Value + 'static>(
        &mut self,
        name: &'static str,
        def: TableDefinition<'static, K, V>,
    ) -> Result<(), StoreError>;
}

/// Declares every table once. Sections, in this order:
/// - `store { CONST: K => V = "disk-name", … }`: tables the store itself reads (meta, blobs);
/// - `records Enum: K => V { Variant = "disk-name" as "record name", … }`: `Record` tables,
///   the record name keying the id counter and naming the table in decoding errors;
/// - any number of `enum Enum: K => V { Variant = "disk-name", … }`: a role enum whose variants
///   each map to a table of that key and value type;
/// - `owned { CONST: K => V = "disk-name", … }`: `Table`s whose rows other modules define.
///
/// Generates the consts, the enums with their `table()` mapping, and `each`, which visits every
/// table in declaration order.
macro_rules! tables {
    (
        store {
            $( $(#[$sdoc:meta])* $sconst:ident: $sk:ty => $sv:ty = $sdisk:literal ),* $(,)?
        }
        $(#[$rdoc:meta])*
        records $rkind:ident: $rk:ty => $rv:ty {
            $( $(#[$rvdoc:meta])* $rvar:ident = $rdisk:literal as $rname:literal ),* $(,)?
        }
        $(
            $(#[$edoc:meta])*
            enum $enum:ident: $ek:ty => $ev:ty {
                $( $(#[$vdoc:meta])* $var:ident = $disk:literal ),* $(,)?
            }
        )*
        owned {
            $( $(#[$odoc:meta])* $oconst:ident: $ok:ty => $ov:ty = $odisk:literal ),* $(,)?
        }
    ) => {
        $( $(#[$sdoc])* pub(super) const $sconst: TableDefinition<$sk, $sv> =
            TableDefinition::new($sdisk); )*

        $(#[$rdoc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum $rkind {
            $( $(#[$rvdoc])* $rvar, )*
        }

        impl $rkind {
            pub(super) fn table(self) -> TableDefinition<'static, $rk, $rv> {
                match self {
                    $( $rkind::$rvar => TableDefinition::new($rdisk), )*
                }
            }

            pub(super) fn name(self) -> &'static str {
                match self {
                    $( $rkind::$rvar => $rname, )*
                }
            }
        }

        $(
            $(#[$edoc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            #[non_exhaustive]
            pub enum $enum {
                $( $(#[$vdoc])* $var, )*
            }

            impl $enum {
                pub(super) fn table(self) -> TableDefinition<'static, $ek, $ev> {
                    match self {
                        $( $enum::$var => TableDefinition::new($disk), )*
                    }
                }
            }
        )*

        $( $(#[$odoc])* pub const $oconst: Table<$ok, $ov> = Table::new($odisk); )*

        /// The on-disk name of every table, in declaration order.
        pub(super) const NAMES: &[&str] = &[
            $( $sdisk, )* $( $rdisk, )* $( $( $disk, )* )* $( $odisk, )*
        ];

        /// Visits every table, in declaration order.
        pub(super) fn each(v: &mut impl Visit) -> Result<(), StoreError> {
            $( v.visit($sdisk, $sconst)?; )*
            $( v.visit($rdisk, $rkind::$rvar.table())?; )*
            $( $( v.visit($disk, $enum::$var.table())?; )* )*
            $( v.visit($odisk, $oconst.def())?; )*
            Ok(())
        }
    };
}
pub(super) use tables;
