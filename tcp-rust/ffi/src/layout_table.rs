//! The layout as the library's own object holds it: per structure of
//! [`crate::for_each_c_struct`], a `u32` table of every field's offset,
//! then the structure's size and alignment, exported as
//! `tcpdiff_layout_<struct>`. ci/lwip-lib reads these tables from the
//! built library (any target) and the C compiler's from an object it
//! compiles with the same options, and fails unless they are equal: the
//! layout check for targets whose programs cannot run here (thumbv7em).
//! The tables are not lwIP's symbols: ci/lwip-lib's final link drops them.

macro_rules! table {
    ($c:literal, $ty:ty, $name:ident, [$($f:ident $(if $opt:ident)?),* $(,)?]) => {
        #[doc = concat!("The layout of `struct ", $c, "`: field offsets, size, alignment.")]
        #[unsafe(no_mangle)]
        pub static $name: [u32; [$(stringify!($f)),*].len() + 2] = [
            $(if true $(&& crate::opts::$opt)? {
                core::mem::offset_of!($ty, $f) as u32
            } else {
                u32::MAX
            },)*
            core::mem::size_of::<$ty>() as u32,
            core::mem::align_of::<$ty>() as u32,
        ];
    };
}

crate::for_each_c_struct!(table);

macro_rules! facts {
    ($name:ident, [$($c:literal => $v:expr),* $(,)?]) => {
        /// The build description's values ([`crate::opts`]), in
        /// [`crate::for_each_c_fact`]'s order.
        #[unsafe(no_mangle)]
        pub static $name: [u32; [$($c),*].len()] = [$(($v) as u32,)*];
    };
}

crate::for_each_c_fact!(facts);
