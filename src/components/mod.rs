//! Reusable pieces of the storefront.

pub mod address;
pub mod browser;
pub mod callback;
pub mod cart_state;
pub mod chat;
pub mod event_stream;
pub mod header;
pub mod help_panel;
pub mod highlight;
pub mod live_stock;
pub mod notice;
pub mod product_card;
pub mod region;
pub mod returns;
pub mod search_box;
pub mod shipments;
pub mod stock_badge;
pub mod stock_help;
pub mod storage;
pub mod text_field;
pub mod write;

pub use address::AddressLines;
pub use cart_state::{provide_cart, use_cart, CartContext};
pub use header::SiteHeader;
pub use help_panel::{provide_help, use_help, HelpPanel};
pub use highlight::Highlighted;
pub use live_stock::{use_live_stock, LiveStockMap};
pub use notice::{error_fallback, Loading};
pub use product_card::{HitGrid, ProductGrid, ProductTile};
pub use region::{provide_region, use_region, RegionContext, RegionPicker, RegionPrompt};
pub use returns::ReturnList;
pub use search_box::SearchBox;
pub use shipments::ShipmentList;
pub use stock_badge::StockBadge;
pub use stock_help::{InStockInstead, NotifyWhenBackForm};
pub use text_field::{SelectField, TextArea, TextField};
