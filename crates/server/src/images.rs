//! Product pictures, drawn by the shop itself as SVG: a silhouette for the category in
//! the product's main colour. Nothing is hot-linked.

/// The silhouette for a category slug (a path in a 400×400 box).
fn silhouette(category: &str) -> &'static str {
    match category {
        "trousers" => "M140 70 L260 70 L278 330 L218 330 L200 165 L182 330 L122 330 Z",
        "dresses" => "M168 62 L232 62 L244 132 L306 332 L94 332 L156 132 Z",
        "shoes" => "M70 262 Q78 206 140 204 L196 170 Q226 204 284 214 Q334 224 334 262 L334 286 L70 286 Z",
        "bags" => "M104 150 L296 150 L312 324 L88 324 Z M160 150 Q160 84 200 84 Q240 84 240 150 L226 150 Q226 100 200 100 Q174 100 174 150 Z",
        "accessories" => "M112 262 Q112 118 200 118 Q288 118 288 262 Z M100 250 L300 250 L300 292 L100 292 Z",
        "coats" => "M150 66 L250 66 L320 120 L330 330 L270 330 L262 170 L262 340 L138 340 L138 170 L130 330 L70 330 L80 120 Z",
        _ => "M130 86 L170 66 Q200 92 230 66 L270 86 L322 138 L286 176 L266 160 L266 330 L134 330 L134 160 L114 176 L78 138 Z",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Whether `hex` is a `#rrggbb` colour.
fn is_hex_colour(hex: &str) -> bool {
    hex.len() == 7 && hex.starts_with('#') && hex[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// The SVG for a product.
pub fn product_svg(category: &str, colour_hex: &str, name: &str) -> String {
    let fill = if is_hex_colour(colour_hex) {
        colour_hex
    } else {
        "#888888"
    };
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400" role="img"><title>{title}</title><rect width="400" height="400" fill="#f3efe8"/><path d="{path}" fill="{fill}" fill-rule="evenodd" stroke="#2b2b2b" stroke-opacity="0.25" stroke-width="3"/></svg>"##,
        title = escape(name),
        path = silhouette(category),
    )
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn draws_safely() {
        let svg = product_svg("shoes", "#123abc", "A <b>\"bold\"</b> shoe & co");
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("#123abc"));
        assert!(svg.contains("A &lt;b&gt;&quot;bold&quot;&lt;/b&gt; shoe &amp; co"));
        assert!(product_svg("x", "red;}", "n").contains("#888888"));
    }
}
