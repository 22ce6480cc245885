package io.switchboard.bench;

import java.util.List;

/** The benchmark's payloads as a Java user declares them for Retrofit and OpenFeign (decoded by Jackson). */
public final class JavaModel {
    private JavaModel() {}

    /** The small answer of {@code GET /hello}. */
    public record HelloJ(String message, int instance) {}

    /** One line of an order. */
    public record LineJ(String sku, String title, int quantity, double unitPrice, List<String> tags) {}

    /** Where an order goes. */
    public record AddressJ(String street, String city, String postcode, String country) {}

    /** The customer of an order. */
    public record CustomerJ(long id, String name, String email, AddressJ address) {}

    /** The nested payload {@code POST /echo} sends back. */
    public record OrderJ(
            String id, CustomerJ customer, List<LineJ> lines, String notes, boolean express, double total) {}

    /** The same order as the Kotlin {@code ORDER}. */
    public static OrderJ order(Order order) {
        Customer c = order.getCustomer();
        Address a = c.getAddress();
        return new OrderJ(
                order.getId(),
                new CustomerJ(
                        c.getId(),
                        c.getName(),
                        c.getEmail(),
                        new AddressJ(a.getStreet(), a.getCity(), a.getPostcode(), a.getCountry())),
                order.getLines().stream()
                        .map(l -> new LineJ(l.getSku(), l.getTitle(), l.getQuantity(), l.getUnitPrice(), l.getTags()))
                        .toList(),
                order.getNotes(),
                order.getExpress(),
                order.getTotal());
    }
}
