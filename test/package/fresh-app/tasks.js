// The user's handler module: function names (or resource ARNs) -> async functions.
exports['price-order'] = async (order) => ({ total: order.items.reduce((a, b) => a + b, 0) });
