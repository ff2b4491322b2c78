//! What the customer has in front of them, for the agent: their page, cart priced now and
//! orders (placed from their browser, or under the email they gave), and order look-up.

use super::*;

impl Desk<'_> {
    /// Orders by number or by the customer's email (newest first, at most 20).
    pub async fn find_orders(
        &self,
        _agent: &SignedInAgent,
        query: &str,
    ) -> Result<Vec<OrderView>, ShopError> {
        let query = query.trim();
        let ids: Vec<i64> = if is_order_number(&query.to_ascii_uppercase()) {
            sqlx::query_scalar("SELECT id FROM orders WHERE number = $1")
                .bind(query.to_ascii_uppercase())
                .fetch_all(&self.state.db.read)
                .await
                .map_err(internal)?
        } else if query.contains('@') {
            let email = check_email(query).map_err(|m| ShopError::invalid(Field::Email, m))?;
            self.orders_of(&email).await?
        } else {
            return Err(ShopError::invalid(
                Field::Email,
                "Enter an order number (like SF-7K3M9QX2) or the customer's email address.",
            ));
        };
        let mut found = Vec::new();
        for id in ids {
            found.push(self.state.orders().view_by_id(id).await?);
        }
        Ok(found)
    }

    /// The id of the order an agent named by its number.
    async fn order_numbered(&self, number: &str) -> Result<i64, ShopError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM orders WHERE number = $1")
            .bind(number.trim().to_ascii_uppercase())
            .fetch_optional(&self.state.db.read)
            .await
            .map_err(internal)?;
        id.ok_or_else(|| ShopError::NotFound("There is no order with that number.".into()))
    }

    /// Mails the order's private link to the customer again (the address on the
    /// order, never one typed by the agent).
    pub async fn resend_order_link(
        &self,
        agent: &SignedInAgent,
        number: &str,
    ) -> Result<(), ShopError> {
        let id = self.order_numbered(number).await?;
        self.state
            .orders()
            .mail_link(
                id,
                "As promised on the phone (or in our chat), here is your order's link.",
            )
            .await?;
        tracing::info!(agent = agent.name(), order = %number, "order link mailed again");
        Ok(())
    }

    /// Cancels an order on the customer's behalf (they asked by phone or chat), on the
    /// same terms as on the web: only while none of it has shipped.
    pub async fn cancel_order(
        &self,
        agent: &SignedInAgent,
        number: &str,
    ) -> Result<OrderView, ShopError> {
        let id = self.order_numbered(number).await?;
        self.state
            .fulfilment()
            .cancel(id, &format!("agent {}", agent.name()))
            .await?;
        self.state.orders().view_by_id(id).await
    }

    /// Starts a return on the customer's behalf (they asked by phone or chat), on the
    /// same terms as on the web; the return records the agent's name, and the customer's
    /// status page and mail say who started it.
    pub async fn start_return(
        &self,
        agent: &SignedInAgent,
        number: &str,
        request: &storefront_model::orders::ReturnRequest,
    ) -> Result<OrderView, ShopError> {
        let id = self.order_numbered(number).await?;
        self.state
            .returns()
            .start(id, request, agent.name())
            .await?;
        self.state.orders().view_by_id(id).await
    }

    /// Cancels what hasn't shipped of an order, for the customer on the phone.
    pub async fn cancel_rest(
        &self,
        agent: &SignedInAgent,
        number: &str,
    ) -> Result<OrderView, ShopError> {
        let id = self.order_numbered(number).await?;
        self.state.changes().cancel_rest(id, agent.name()).await?;
        self.state.orders().view_by_id(id).await
    }

    /// What a change the customer asked for (by phone or chat) would do.
    pub async fn preview_change(
        &self,
        _agent: &SignedInAgent,
        number: &str,
        change: &storefront_model::orders::OrderChange,
    ) -> Result<storefront_model::orders::ChangePreview, ShopError> {
        let id = self.order_numbered(number).await?;
        self.state.changes().preview(id, change).await
    }

    /// Changes an order on the customer's behalf, on the same terms as on the web (a
    /// larger total is held without the bank's check: the customer is on the phone).
    /// The change records the agent's name; the customer's timeline and mail say who.
    pub async fn change_order(
        &self,
        agent: &SignedInAgent,
        number: &str,
        change: &storefront_model::orders::OrderChange,
        expected_total: i64,
    ) -> Result<OrderView, ShopError> {
        let id = self.order_numbered(number).await?;
        // On the phone the bank's online check does not apply, so it never asks.
        self.state
            .changes()
            .apply(id, change, expected_total, agent.name(), false, None)
            .await?;
        self.state.orders().view_by_id(id).await
    }

    /// The variant ids for `(SKU, units)` lines typed on the phone; an unknown SKU is
    /// named next to the SKU field.
    async fn phone_lines(
        &self,
        lines: &[(String, u32)],
    ) -> Result<Vec<storefront_domain::cart::CartLine>, ShopError> {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        for (sku, units) in lines {
            let sku = sku.trim();
            if sku.is_empty() {
                continue;
            }
            let id: Option<i64> =
                sqlx::query_scalar("SELECT id FROM variants WHERE sku = $1 COLLATE NOCASE")
                    .bind(sku)
                    .fetch_optional(&self.state.db.read)
                    .await
                    .map_err(internal)?;
            match id {
                Some(variant_id) => out.push(storefront_domain::cart::CartLine {
                    variant_id,
                    quantity: *units,
                }),
                None => problems.push(storefront_domain::validation::FieldError::new(
                    Field::Sku,
                    format!("No item has the SKU \"{sku}\": it's on the product page, under the details."),
                )),
            }
        }
        if out.is_empty() && problems.is_empty() {
            problems.push(storefront_domain::validation::FieldError::new(
                Field::Sku,
                "Please enter the SKU of at least one item.",
            ));
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(ShopError::Invalid(problems))
        }
    }

    /// Prices an order taken on the phone (the same prices, stock and plan as the web).
    pub async fn price_phone_order(
        &self,
        _agent: &SignedInAgent,
        lines: &[(String, u32)],
        address: &storefront_domain::validation::Address,
        delivery: storefront_domain::delivery::DeliveryOption,
    ) -> Result<storefront_model::orders::PricedCart, ShopError> {
        let lines = self.phone_lines(lines).await?;
        let region =
            storefront_domain::location::region_for_address(&address.country, &address.postcode)
                .map_or(storefront_domain::location::DEFAULT_REGION, |r| r.code);
        self.state
            .orders()
            .price_cart(&lines, region, delivery)
            .await
    }

    /// Places an order for a customer on the phone: the card they read out went to the
    /// gateway (`card_token`; the shop never sees the number again), the order goes through the same exactly-
    /// once checkout as the web (by `order.key`), records the agent, and the receipt is
    /// mailed to the customer with their private link.
    pub async fn place_phone_order(
        &self,
        agent: &SignedInAgent,
        order: &storefront_model::agent::PhoneOrder,
    ) -> Result<storefront_model::orders::PlacedOrder, ShopError> {
        let lines = self.phone_lines(&order.lines).await?;
        let request = storefront_model::checkout::CheckoutRequest {
            key: order.key.clone(),
            details: order.details.clone(),
            lines,
            region: String::new(),
            delivery: order.delivery,
            card_token: order.card_token.clone(),
            accept_backorder: false,
            offers: false,
            save_address: false,
            // The checkout prices it again and refuses if these are not what it charges.
            expected_now: order.expected_now,
            expected_total: order.expected_total,
        };
        match self
            .state
            .checkout()
            .place_by_phone(&request, agent.name())
            .await?
        {
            storefront_model::checkout::CheckoutOutcome::Placed(placed) => {
                tracing::info!(agent = agent.name(), order = %placed.number, "order taken by phone");
                Ok(placed)
            }
            other => {
                tracing::error!(?other, "a phone order asked for the bank's check");
                Err(ShopError::invalid(
                    Field::Payment,
                    "The bank wants the card holder to confirm this payment online: please ask them to order on the website.",
                ))
            }
        }
    }

    pub(super) async fn orders_of(&self, email: &str) -> Result<Vec<i64>, ShopError> {
        sqlx::query_scalar(
            "SELECT id FROM orders WHERE email = $1 COLLATE NOCASE ORDER BY id DESC LIMIT 20",
        )
        .bind(email)
        .fetch_all(&self.state.db.read)
        .await
        .map_err(internal)
    }

    /// The customer's page, cart (priced now) and orders: those their browser placed
    /// (proved by each order's private key), and apart from them, as unverified, those
    /// under the email they typed.
    pub(super) async fn customer_context(
        &self,
        page: &str,
        context: &str,
        email: Option<&str>,
    ) -> CustomerContext {
        let context: ShopperContext = serde_json::from_str(context).unwrap_or_default();
        let cart = if context.cart.is_empty() {
            None
        } else {
            self.state
                .orders()
                .price_cart(&context.cart, &context.region, DeliveryOption::Standard)
                .await
                .ok()
        };
        let proved: Vec<(String, String)> = context
            .orders
            .iter()
            .map(|o| (o.number.clone(), o.key.clone()))
            .collect();
        let orders = self.views(proved, &[]).await;
        let typed = match email {
            Some(email) => self.orders_of(email).await.unwrap_or_default(),
            None => Vec::new(),
        };
        let mut unverified_orders: Vec<OrderView> = Vec::new();
        for id in typed {
            if let Ok(view) = self.state.orders().view_by_id(id).await {
                if !orders.iter().any(|o| o.number == view.number) {
                    unverified_orders.push(view);
                }
            }
        }
        CustomerContext {
            page: page.to_owned(),
            cart,
            orders,
            unverified_orders,
        }
    }

    /// The orders behind `keys`, once each, leaving out those already in `shown`.
    async fn views(&self, keys: Vec<(String, String)>, shown: &[OrderView]) -> Vec<OrderView> {
        let mut views: Vec<OrderView> = Vec::new();
        for (number, key) in keys {
            if views.iter().chain(shown).any(|o| o.number == number) {
                continue;
            }
            if let Ok(view) = self.state.orders().view(&number, &key).await {
                views.push(view);
            }
        }
        views
    }
}
