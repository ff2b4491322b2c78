//! Which help fits the page the shopper is on: the kinds of page the help panel has
//! answers for.

/// The kinds of page the help panel has answers for. The keys name the sections of
/// `content/help.json` → `pages`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageKind {
    Home,
    Browse,
    Product,
    Cart,
    Checkout,
    Order,
    Returns,
    Other,
}

impl PageKind {
    /// The kind of page at `path` (`/p/linen-shirt` → product).
    pub fn of_path(path: &str) -> Self {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        if path.trim_end_matches('/') == "/orders/find" {
            // Finding an order is not about one order yet.
            return Self::Other;
        }
        match first {
            "" => Self::Home,
            "c" | "search" => Self::Browse,
            "p" => Self::Product,
            "cart" => Self::Cart,
            "checkout" => Self::Checkout,
            "orders" => Self::Order,
            "help" => Self::Returns,
            _ => Self::Other,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Self::Home => "home",
            Self::Browse => "browse",
            Self::Product => "product",
            Self::Cart => "cart",
            Self::Checkout => "checkout",
            Self::Order => "order",
            Self::Returns => "returns",
            Self::Other => "other",
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    #[test]
    fn pages_by_path() {
        assert_eq!(PageKind::of_path("/"), PageKind::Home);
        assert_eq!(PageKind::of_path("/p/linen-shirt"), PageKind::Product);
        assert_eq!(PageKind::of_path("/checkout/payment"), PageKind::Checkout);
        assert_eq!(PageKind::of_path("/orders/SF-1?key=x"), PageKind::Order);
        assert_eq!(PageKind::of_path("/orders/find"), PageKind::Other);
        assert_eq!(PageKind::of_path("/search?q=shirt"), PageKind::Browse);
        assert_eq!(PageKind::of_path("/c/shirts"), PageKind::Browse);
        assert_eq!(PageKind::of_path("/nowhere"), PageKind::Other);
    }
}
