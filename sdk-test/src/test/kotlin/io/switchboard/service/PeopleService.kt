package io.switchboard.service

import kotlinx.serialization.Serializable
import java.util.concurrent.ConcurrentHashMap

@Serializable
data class Address(
    val street: String,
    val city: String,
)

@Serializable
data class Person(
    val id: Int,
    val name: String,
    val address: Address? = null,
    val tags: List<String> = emptyList(),
    val scores: Map<String, Int> = emptyMap(),
)

@Service(name = "people", path = "/api")
interface PeopleService {
    @Get("/people/{id}")
    suspend fun find(
        @Path("id") id: Int,
    ): Person?

    @Post("/people")
    suspend fun save(person: Person): Person

    @Get("/people")
    suspend fun search(
        name: String,
        limit: Int,
    ): List<Person>

    @Delete("/people/{id}")
    suspend fun remove(
        @Path("id") id: Int,
    )

    @Get("/whoami")
    suspend fun whoami(
        @Header("X-Caller") caller: String,
    ): String

    @Get("/instance")
    suspend fun instance(): String

    suspend fun fail(message: String): String

    suspend fun slow(millis: Long): String
}

class People(
    private val instanceName: String,
) : PeopleService {
    private val people = ConcurrentHashMap<Int, Person>()

    override suspend fun find(id: Int): Person? = people[id]

    override suspend fun save(person: Person): Person = person.also { people[it.id] = it }

    override suspend fun search(
        name: String,
        limit: Int,
    ): List<Person> =
        people.values
            .filter { it.name.contains(name) }
            .sortedBy { it.id }
            .take(limit)

    override suspend fun remove(id: Int) {
        people.remove(id)
    }

    override suspend fun whoami(caller: String): String = "hello $caller"

    override suspend fun instance(): String = instanceName

    override suspend fun fail(message: String): String = throw IllegalStateException(message)

    override suspend fun slow(millis: Long): String {
        kotlinx.coroutines.delay(millis)
        return "slept $millis"
    }
}
